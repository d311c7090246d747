import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SIZE, boundsToRestore, loadWindowState } from '../../electron/shell/window-state.js';
import { useTempDir } from '../helpers/files.js';

const tempDir = useTempDir();
const laptop = [{ workArea: { x: 0, y: 0, width: 1440, height: 900 } }];

describe('restoring the window', () => {
  it('opens at the default size the first time', () => {
    expect(boundsToRestore(null, laptop)).toEqual(DEFAULT_SIZE);
  });

  it('opens where it was when that is on a display', () => {
    const saved = { bounds: { x: 100, y: 80, width: 1000, height: 700 }, maximized: false };
    expect(boundsToRestore(saved, laptop)).toEqual({ x: 100, y: 80, width: 1000, height: 700 });
  });

  it('keeps the size but not the place when that display is gone (undocked laptop)', () => {
    const saved = { bounds: { x: 2200, y: 100, width: 1200, height: 800 }, maximized: false };
    expect(boundsToRestore(saved, laptop)).toEqual({ width: 1200, height: 800 });
  });

  it('ignores a damaged state file', () => {
    const file = join(tempDir(), 'window-state.json');
    writeFileSync(file, '{"bounds": {"x": "left"}}');
    expect(loadWindowState(file)).toBeNull();
    writeFileSync(file, 'not json');
    expect(loadWindowState(file)).toBeNull();
  });
});
