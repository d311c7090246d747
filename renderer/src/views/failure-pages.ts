// The rows of the Failures list, loaded a page at a time as the list scrolls.
// Plain TypeScript (no React, no DOM), so its scheduling can be tested alone.
//
// The backend answers one page at a time, and a page far down costs it more
// than one near the top; while a request runs, a fast scroll may already be
// somewhere else. So only a few pages are asked for at once, and which ones is
// decided when a request comes back, from the rows drawn then: pages that were
// scrolled past are never asked for. After a jump of more than a page the
// list waits until scrolling settles briefly before it asks. Pages that come
// back after they were scrolled past are kept but draw nothing.

export interface PageResult<Row> {
  total: number;
  rows: Row[];
}

export interface PagedRowsOptions {
  pageSize: number;
  /** Requests at most this many pages at once. */
  maxInFlight: number;
  /** Pages to load ahead of the drawn rows in the direction of scrolling, once those are loaded, one at a time. */
  prefetchPages: number;
  /** Pages kept; the ones farthest from the drawn rows go first. */
  maxCachedPages: number;
  /** After a jump of more than a page, how long the drawn rows must stay put before they are asked for. */
  settleMs: number;
}

export interface PagedRowsEvents {
  /** The total is known or changed, or a page of drawn rows arrived: draw again. */
  changed: () => void;
  failed: (message: string) => void;
}

/** The timer functions used; tests pass their own. */
export interface Timers {
  setTimeout: (callback: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
}

const browserTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

export class PagedRows<Row> {
  private readonly pages = new Map<number, Row[]>();
  private readonly inFlight = new Set<number>();
  /** The rows drawn (overscan included), first and last index; none while last < first. */
  private first = 0;
  private last = -1;
  private forward = true;
  private settleTimer: unknown = null;
  private active = false;
  private totalRows: number | null = null;

  constructor(
    private readonly fetchPage: (offset: number, limit: number) => Promise<PageResult<Row>>,
    private readonly events: PagedRowsEvents,
    private readonly options: PagedRowsOptions,
    private readonly timers: Timers = browserTimers,
  ) {}

  /** Rows in the list; null until the first page has come back. */
  get total(): number | null {
    return this.totalRows;
  }

  /** The row at `index`, or undefined while its page is not loaded. */
  rowAt(index: number): Row | undefined {
    const size = this.options.pageSize;
    return this.pages.get(Math.floor(index / size))?.[index % size];
  }

  /** Starts loading (again); the first page tells the total. */
  start(): void {
    this.active = true;
    this.pump();
  }

  /** Stops: asks for nothing more, and ignores what comes back. */
  stop(): void {
    this.active = false;
    this.cancelSettle();
  }

  /** The rows now drawn, first and last index (overscan included): loads what they need. */
  show(first: number, last: number): void {
    if (first === this.first && last === this.last) return;
    const moved = Math.abs(first - this.first);
    if (first !== this.first) this.forward = first > this.first;
    this.first = first;
    this.last = last;
    if (moved > this.options.pageSize) {
      // A jump: wait for the scroll to rest before asking for where it is.
      this.cancelSettle();
      this.settleTimer = this.timers.setTimeout(() => {
        this.settleTimer = null;
        this.pump();
      }, this.options.settleMs);
      return;
    }
    this.pump();
  }

  /** Pages wanted now, most needed first: the drawn ones in the direction of scrolling, then those ahead. */
  private wanted(): number[] {
    const size = this.options.pageSize;
    if (this.totalRows === null || this.last < this.first) return this.pages.has(0) ? [] : [0];
    const pageCount = Math.ceil(this.totalRows / size);
    const firstPage = Math.floor(this.first / size);
    const lastPage = Math.min(Math.floor(this.last / size), pageCount - 1);
    const drawn: number[] = [];
    for (let page = firstPage; page <= lastPage; page++) drawn.push(page);
    if (!this.forward) drawn.reverse();
    const pages = drawn.filter((page) => !this.pages.has(page));
    if (pages.length > 0) return pages;
    // Everything drawn is here: read ahead, one page at a time, so that a
    // request slot stays free for the drawn rows should the scroll turn.
    if (this.inFlight.size > 0) return [];
    for (let step = 1; step <= this.options.prefetchPages; step++) {
      const page = this.forward ? lastPage + step : firstPage - step;
      if (page >= 0 && page < pageCount && !this.pages.has(page)) return [page];
    }
    return [];
  }

  private pump(): void {
    if (!this.active || this.settleTimer !== null) return;
    for (const page of this.wanted()) {
      if (this.inFlight.size >= this.options.maxInFlight) break;
      if (!this.inFlight.has(page)) this.request(page);
    }
  }

  private request(page: number): void {
    this.inFlight.add(page);
    const size = this.options.pageSize;
    this.fetchPage(page * size, size).then(
      (result) => {
        this.inFlight.delete(page);
        if (!this.active) return;
        const totalChanged = result.total !== this.totalRows;
        this.totalRows = result.total;
        this.keep(page, result.rows);
        if (totalChanged || this.isDrawn(page)) this.events.changed();
        this.pump();
      },
      (caught: unknown) => {
        this.inFlight.delete(page);
        if (this.active) this.events.failed(caught instanceof Error ? caught.message : String(caught));
      },
    );
  }

  private isDrawn(page: number): boolean {
    const size = this.options.pageSize;
    return page * size <= this.last && (page + 1) * size > this.first;
  }

  private keep(page: number, rows: Row[]): void {
    this.pages.set(page, rows);
    if (this.pages.size <= this.options.maxCachedPages) return;
    const size = this.options.pageSize;
    const centre = (this.first + Math.max(this.first, this.last)) / 2 / size;
    const farthest = [...this.pages.keys()]
      .filter((kept) => !this.isDrawn(kept))
      .sort((a, b) => Math.abs(b - centre) - Math.abs(a - centre));
    for (const evicted of farthest.slice(0, this.pages.size - this.options.maxCachedPages)) this.pages.delete(evicted);
  }

  private cancelSettle(): void {
    if (this.settleTimer === null) return;
    this.timers.clearTimeout(this.settleTimer);
    this.settleTimer = null;
  }
}
