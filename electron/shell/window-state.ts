import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface WindowBounds {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  bounds: WindowBounds;
  maximized: boolean;
}

export const DEFAULT_SIZE = { width: 1280, height: 820 };

function isBounds(value: unknown): value is WindowBounds {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return ['x', 'y', 'width', 'height'].every((key) => Number.isFinite(record[key]));
}

/** The saved state, or null when there is none or it is unreadable (then the default size is used). */
export function loadWindowState(file: string): WindowState | null {
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { bounds?: unknown; maximized?: unknown };
    if (!isBounds(saved.bounds)) return null;
    return { bounds: saved.bounds, maximized: saved.maximized === true };
  } catch {
    return null;
  }
}

export function saveWindowState(file: string, state: WindowState): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(state));
}

/**
 * Where to open the window: the saved bounds if at least a usable part of
 * them is on a display that still exists (a laptop undocked from its second
 * screen must not open the window off-screen), else the default size.
 */
export function boundsToRestore(
  saved: WindowState | null,
  displays: { workArea: WindowBounds }[],
): { x?: number; y?: number; width: number; height: number } {
  if (!saved) return { ...DEFAULT_SIZE };
  const { bounds } = saved;
  const visible = displays.some(({ workArea }) => {
    const overlapX = Math.min(bounds.x + bounds.width, workArea.x + workArea.width) - Math.max(bounds.x, workArea.x);
    const overlapY = Math.min(bounds.y + bounds.height, workArea.y + workArea.height) - Math.max(bounds.y, workArea.y);
    return overlapX >= 100 && overlapY >= 50;
  });
  const width = Math.max(800, bounds.width);
  const height = Math.max(500, bounds.height);
  return visible ? { x: bounds.x, y: bounds.y, width, height } : { width, height };
}
