import { useEffect, useLayoutEffect, useRef } from 'react';
import { NavigationType, useLocation, useNavigationType } from 'react-router';

/*
 * The window's scroll position, kept per history entry, so that Back,
 * Forward and a reload return to where the reader was in a list (Domains,
 * MX hosts, a sender's page, Reports, the Overview). The router's own
 * <ScrollRestoration> exists only for data routers, and the browser's own
 * restoring runs before a view has loaded its rows, when the page is still
 * too short to scroll: it is turned off, and the position is restored here
 * once the page has grown tall enough. A new entry (a link followed) starts
 * at the top; replacing one (a sort, a page) keeps the place.
 *
 * Positions live in sessionStorage under the entry's key, which the router
 * keeps in history.state, so they survive a reload of the same tab and go
 * with it.
 */

const STORAGE_KEY = 'tlsrpt-viewer.scroll';
/** Entries remembered; older ones are dropped first. */
const MAX_ENTRIES = 100;
/** How long a restore waits for the page to grow tall enough (the view's data to come). */
const RESTORE_FOR_MS = 15_000;

/** [entry key, window scroll top], oldest first. */
type Positions = [string, number][];

/** While a restore waits for the page to grow, the positions it passes through are not the reader's: not saved. */
let restoring = false;

function readPositions(): Positions {
  try {
    const parsed: unknown = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? '[]');
    return Array.isArray(parsed) ? (parsed as Positions) : [];
  } catch {
    return [];
  }
}

function positionOf(key: string): number | undefined {
  return readPositions().find(([entry]) => entry === key)?.[1];
}

function savePosition(key: string, top: number): void {
  const positions = readPositions().filter(([entry]) => entry !== key);
  positions.push([key, top]);
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(positions.slice(-MAX_ENTRIES)));
  } catch {
    // Storage full or refused: the place is not kept, nothing else is lost.
  }
}

/**
 * The key a history entry's position is kept under. Entries the router did
 * not make (the first page opened, an address typed after the #) all have
 * the key "default": those are told apart by their address.
 */
function entryKey(location: { key: string; pathname: string; search: string }): string {
  return location.key === 'default' ? `default ${location.pathname}${location.search}` : location.key;
}

/** Restores and keeps the window's scroll position per history entry; used once, by the app's shell. */
export function useScrollRestoration(): void {
  const location = useLocation();
  const navigationType = useNavigationType();
  const key = entryKey(location);
  const currentKey = useRef(key);

  useEffect(() => {
    const previous = history.scrollRestoration;
    history.scrollRestoration = 'manual';
    let frame = 0;
    const onScroll = (): void => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        if (!restoring) savePosition(currentKey.current, Math.round(window.scrollY));
      });
    };
    window.addEventListener('scroll', onScroll, { passive: true });
    return () => {
      window.removeEventListener('scroll', onScroll);
      cancelAnimationFrame(frame);
      history.scrollRestoration = previous;
    };
  }, []);

  useLayoutEffect(() => {
    const before = currentKey.current;
    currentKey.current = key;
    if (navigationType === NavigationType.Replace) {
      // Same place, new entry (a sort or page written to the URL): the position goes with it.
      savePosition(key, positionOf(before) ?? Math.round(window.scrollY));
      return;
    }
    const target = navigationType === NavigationType.Pop ? (positionOf(key) ?? 0) : 0;
    return restoreWhenTallEnough(target);
  }, [key, navigationType]);
}

/**
 * Scrolls to `top` as soon as the page is tall enough, trying again as it
 * grows, until it is there, the reader scrolls or types, or time runs out.
 * Returns the way to stop trying.
 */
function restoreWhenTallEnough(top: number): () => void {
  const started = performance.now();
  let frame = 0;
  const stop = (): void => {
    restoring = false;
    cancelAnimationFrame(frame);
    for (const event of READER_EVENTS) window.removeEventListener(event, stop);
  };
  const attempt = (): void => {
    window.scrollTo(0, top);
    if (Math.abs(window.scrollY - top) <= 1 || performance.now() - started > RESTORE_FOR_MS) {
      stop();
      return;
    }
    frame = requestAnimationFrame(attempt);
  };
  for (const event of READER_EVENTS) window.addEventListener(event, stop, { passive: true });
  restoring = true;
  attempt();
  return stop;
}

/** What the reader does to scroll or move on: a restore still waiting gives way. */
const READER_EVENTS = ['wheel', 'touchstart', 'keydown', 'pointerdown'] as const;
