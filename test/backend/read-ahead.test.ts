import { describe, expect, it } from 'vitest';
import { ReadAhead } from '../../electron/backend/import/read-ahead.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Hands files out while there is room; how many it handed. */
function handOut(ahead: ReadAhead, limit = 1_000_000): number {
  let handed = 0;
  while (handed < limit && ahead.hasRoom()) {
    ahead.started();
    handed += 1;
  }
  return handed;
}

describe('how far an import reads ahead', () => {
  it('hands out a few files before any size is known, then as many as the bytes allow', () => {
    const ahead = new ReadAhead(3072, 16 * MiB);
    expect(handOut(ahead)).toBe(8);
    for (let i = 0; i < 8; i++) ahead.prepared(4 * KiB);
    // 8 sizes known: a few more than twice as many in flight.
    expect(handOut(ahead)).toBe(24);
    let inFlight = 24;
    // Small files (4 KiB, 12 MiB for 3,072 of them): bounded by the count.
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < inFlight; i++) ahead.prepared(4 * KiB);
      inFlight = handOut(ahead);
    }
    expect(ahead.files).toBe(3072);
    expect(ahead.bytes).toBeLessThanOrEqual(16 * MiB);
  });

  it('stops at the bytes the prepared files hold, and goes on when the writer takes them', () => {
    const ahead = new ReadAhead(3072, 16 * MiB);
    handOut(ahead);
    for (let i = 0; i < 8; i++) ahead.prepared(2 * MiB);
    // 16 MiB waiting: nothing more until the writer takes some.
    expect(ahead.bytes).toBe(16 * MiB);
    expect(handOut(ahead)).toBe(0);
    ahead.taken(2 * MiB);
    ahead.taken(2 * MiB);
    // 12 MiB waiting, 2 MiB expected of each new one.
    expect(handOut(ahead)).toBe(2);
  });

  it('sees a run of large files at once, after many small ones', () => {
    const ahead = new ReadAhead(3072, 16 * MiB);
    handOut(ahead);
    for (let i = 0; i < 8; i++) ahead.prepared(1 * KiB);
    handOut(ahead);
    for (let i = 0; i < 16; i++) ahead.prepared(1 * KiB);
    for (let i = 0; i < 24; i++) ahead.taken(1 * KiB);
    // A file of 8 MiB after small ones: at most one more is expected to fit.
    ahead.prepared(8 * MiB);
    expect(handOut(ahead)).toBe(0);
  });

  it('hands out one file at a time when one alone is over the bound, and never stalls', () => {
    const ahead = new ReadAhead(3072, 16 * MiB);
    expect(handOut(ahead, 1)).toBe(1);
    ahead.prepared(40 * MiB);
    expect(handOut(ahead)).toBe(0);
    ahead.taken(40 * MiB);
    expect(handOut(ahead)).toBe(1);
  });
});
