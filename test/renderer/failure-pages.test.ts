import { describe, expect, it } from 'vitest';
import {
  PagedRows,
  type PageResult,
  type PagedRowsOptions,
  type Timers,
} from '../../renderer/src/views/failure-pages.js';

/*
 * The Failures list's page loading: few requests at once, chosen when one
 * comes back from the rows drawn then; none for pages scrolled past; after a
 * jump, none until the scroll rests; a redraw only for pages drawn.
 */

const OPTIONS: PagedRowsOptions = {
  pageSize: 100,
  maxInFlight: 2,
  prefetchPages: 2,
  maxCachedPages: 6,
  settleMs: 50,
};
const TOTAL = 10_000;

interface Pending {
  page: number;
  answer: (total?: number) => Promise<void>;
  fail: (message: string) => Promise<void>;
}

function setup(options: PagedRowsOptions = OPTIONS) {
  const pending: Pending[] = [];
  const requested: number[] = [];
  let changed = 0;
  const failures: string[] = [];
  const timers = new Map<number, () => void>();
  let nextTimer = 1;
  const fakeTimers: Timers = {
    setTimeout: (callback) => {
      const handle = nextTimer++;
      timers.set(handle, callback);
      return handle;
    },
    clearTimeout: (handle) => {
      timers.delete(handle as number);
    },
  };
  const settle = (): Promise<void> => Promise.resolve();
  const rows = new PagedRows<number>(
    (offset, limit) =>
      new Promise<PageResult<number>>((resolve, reject) => {
        const page = offset / limit;
        requested.push(page);
        pending.push({
          page,
          answer: async (total = TOTAL) => {
            const count = Math.max(0, Math.min(limit, total - offset));
            resolve({ total, rows: Array.from({ length: count }, (_, index) => offset + index) });
            await settle();
            await settle();
          },
          fail: async (message) => {
            reject(new Error(message));
            await settle();
            await settle();
          },
        });
      }),
    {
      changed: () => {
        changed++;
      },
      failed: (message) => failures.push(message),
    },
    options,
    fakeTimers,
  );
  /** Answers the request for `page` (it must be pending). */
  const answer = async (page: number, total?: number): Promise<void> => {
    const index = pending.findIndex((entry) => entry.page === page);
    const entry = pending[index];
    if (!entry) throw new Error(`page ${page} not requested; pending: ${pending.map((p) => p.page).join()}`);
    pending.splice(index, 1);
    await entry.answer(total);
  };
  const fireTimers = (): void => {
    const callbacks = [...timers.values()];
    timers.clear();
    for (const callback of callbacks) callback();
  };
  return {
    rows,
    pending: () => pending.map((entry) => entry.page),
    requested,
    answer,
    fail: async (page: number, message: string) => {
      const index = pending.findIndex((entry) => entry.page === page);
      const [entry] = pending.splice(index, 1);
      await entry?.fail(message);
    },
    changed: () => changed,
    failures,
    timers: () => timers.size,
    fireTimers,
  };
}

describe('PagedRows', () => {
  it('asks for the first page, which tells the total, then for the pages drawn', async () => {
    const list = setup();
    list.rows.start();
    expect(list.pending()).toEqual([0]);
    expect(list.rows.total).toBeNull();
    await list.answer(0);
    expect(list.rows.total).toBe(TOTAL);
    expect(list.changed()).toBe(1);
    expect(list.rows.rowAt(42)).toBe(42);
    expect(list.rows.rowAt(100)).toBeUndefined();
    list.rows.show(0, 30);
    // Drawn rows are here: read ahead, one page at a time.
    expect(list.pending()).toEqual([1]);
    await list.answer(1);
    expect(list.changed()).toBe(1);
    expect(list.pending()).toEqual([2]);
    await list.answer(2);
    expect(list.pending()).toEqual([]);
  });

  it('never has more than a few requests out, and picks the next from where the list is then', async () => {
    const list = setup({ ...OPTIONS, prefetchPages: 0 });
    list.rows.start();
    await list.answer(0);
    // Scrolling down page by page while the backend is slow.
    list.rows.show(90, 120);
    expect(list.pending()).toEqual([1]);
    list.rows.show(180, 210);
    expect(list.pending()).toEqual([1, 2]);
    list.rows.show(270, 300);
    list.rows.show(360, 390);
    list.rows.show(450, 480);
    expect(list.pending()).toEqual([1, 2]);
    // Page 1 comes back: the list is at pages 4 and 5 now; 3 was scrolled past and is never asked for.
    await list.answer(1);
    expect(list.changed()).toBe(1);
    expect(list.pending()).toEqual([2, 4]);
    await list.answer(2);
    expect(list.pending()).toEqual([4]);
    await list.answer(4);
    expect(list.changed()).toBe(2);
    expect(list.pending()).toEqual([]);
    expect(list.requested).toEqual([0, 1, 2, 4]);
    expect(list.rows.rowAt(450)).toBe(450);
  });

  it('after a jump, waits for the scroll to rest and asks only for where it rests', async () => {
    const list = setup();
    list.rows.start();
    await list.answer(0);
    list.rows.show(0, 30);
    await list.answer(1);
    await list.answer(2);
    list.rows.show(5000, 5030);
    list.rows.show(5100, 5130);
    list.rows.show(7000, 7030);
    expect(list.pending()).toEqual([]);
    expect(list.timers()).toBe(1);
    // Small moves while it settles ask for nothing either.
    list.rows.show(7010, 7040);
    expect(list.pending()).toEqual([]);
    list.fireTimers();
    expect(list.pending()).toEqual([70]);
    await list.answer(70);
    expect(list.changed()).toBe(2);
    expect(list.rows.rowAt(7040)).toBe(7040);
    expect(list.requested).toEqual([0, 1, 2, 70, 71]);
  });

  it('reads ahead in the direction of scrolling, and draws again only for pages drawn', async () => {
    const list = setup();
    list.rows.start();
    await list.answer(0);
    list.rows.show(0, 30);
    await list.answer(1);
    await list.answer(2);
    // Up from the middle of the list.
    list.rows.show(2950, 2990);
    list.fireTimers();
    expect(list.pending()).toEqual([29]);
    list.rows.show(2940, 2980);
    await list.answer(29);
    expect(list.pending()).toEqual([28]);
    const before = list.changed();
    await list.answer(28);
    expect(list.changed()).toBe(before);
    expect(list.pending()).toEqual([27]);
    // Down again, rows drawn across two pages: the one missing, beside the read-ahead still out.
    list.rows.show(2990, 3020);
    expect(list.pending()).toEqual([27, 30]);
  });

  it('keeps a bounded number of pages, never the drawn ones out', async () => {
    const list = setup({ ...OPTIONS, prefetchPages: 0 });
    list.rows.start();
    await list.answer(0);
    for (let page = 1; page <= 12; page++) {
      list.rows.show(page * 100, page * 100 + 30);
      await list.answer(page);
      expect(list.rows.rowAt(page * 100 + 10)).toBe(page * 100 + 10);
    }
    const kept = Array.from({ length: 13 }, (_, page) => list.rows.rowAt(page * 100) !== undefined);
    expect(kept.filter(Boolean)).toHaveLength(OPTIONS.maxCachedPages);
    expect(kept.slice(7)).toEqual([true, true, true, true, true, true]);
  });

  it('reports a failed request, and asks again when the rows are needed again', async () => {
    const list = setup({ ...OPTIONS, prefetchPages: 0 });
    list.rows.start();
    await list.answer(0);
    list.rows.show(100, 130);
    await list.fail(1, 'the server answered 500');
    expect(list.failures).toEqual(['the server answered 500']);
    list.rows.show(101, 131);
    expect(list.pending()).toEqual([1]);
  });

  it('once stopped, asks for nothing and ignores answers', async () => {
    const list = setup();
    list.rows.start();
    list.rows.stop();
    await list.answer(0);
    expect(list.changed()).toBe(0);
    expect(list.rows.total).toBeNull();
    list.rows.show(0, 30);
    expect(list.pending()).toEqual([]);
    // Started again (React's strict mode mounts twice): loads as before.
    list.rows.start();
    expect(list.pending()).toEqual([0]);
  });
});
