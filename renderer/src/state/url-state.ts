import { useCallback } from 'react';
import { useSearchParams } from 'react-router';
import { PAGE_PARAM } from './filter.js';

// A view's sort and page in the URL, so that reload, back and forward and a
// shared link show the same rows in the same order. Changing them replaces
// the history entry instead of adding one: Back leaves the view, as it would
// without them, and comes back to the order and page it left.

export interface UrlSort<Column extends string> {
  column: Column;
  direction: 'asc' | 'desc';
}

/** `column:asc` or `column:desc`; anything else, or a column not offered, is the fallback. */
function readSort<Column extends string>(
  text: string | null,
  columns: readonly Column[] | null,
  fallback: UrlSort<Column> | null,
): UrlSort<Column> | null {
  const match = text === null ? null : /^(.+):(asc|desc)$/.exec(text);
  if (!match) return fallback;
  const column = match[1] as Column;
  if (columns !== null && !columns.includes(column)) return fallback;
  return { column, direction: match[2] as 'asc' | 'desc' };
}

function writeSort(sort: UrlSort<string> | null): string | null {
  return sort === null ? null : `${sort.column}:${sort.direction}`;
}

/**
 * The sort kept under `param` in the URL. `columns` lists the columns a sort
 * may name (null: any, for tables that check their own); `fallback` is the
 * sort without one in the URL.
 */
export function useUrlSort<Column extends string>(
  param: string,
  columns: readonly Column[] | null,
  fallback: UrlSort<Column> | null,
): [UrlSort<Column> | null, (sort: UrlSort<Column> | null) => void] {
  const [params, setParams] = useSearchParams();
  const sort = readSort(params.get(param), columns, fallback);
  const setSort = useCallback(
    (next: UrlSort<Column> | null) => {
      setParams(
        (previous) => {
          const updated = new URLSearchParams(previous);
          const text = writeSort(next);
          if (text === null) updated.delete(param);
          else updated.set(param, text);
          // Another order starts at the first page.
          updated.delete(PAGE_PARAM);
          return updated;
        },
        { replace: true },
      );
    },
    [param, setParams],
  );
  return [sort, setSort];
}

/** The page (from 1) kept in the URL; a page the URL cannot name is the first. */
export function useUrlPage(): [number, (page: number) => void] {
  const [params, setParams] = useSearchParams();
  const text = params.get(PAGE_PARAM);
  const parsed = text === null ? 1 : Number(text);
  const page = Number.isInteger(parsed) && parsed >= 1 ? parsed : 1;
  const setPage = useCallback(
    (next: number) => {
      setParams(
        (previous) => {
          const updated = new URLSearchParams(previous);
          if (next <= 1) updated.delete(PAGE_PARAM);
          else updated.set(PAGE_PARAM, String(next));
          return updated;
        },
        { replace: true },
      );
    },
    [setParams],
  );
  return [page, setPage];
}

/**
 * How many rows of a folded table to show, kept under `param` in the URL (a
 * whole number, or `all`), so that Back and a reload come back to the rows,
 * and the scroll, the reader left. Anything else is `least`, the fold.
 */
export function useUrlRowCount(param: string, least: number): [number, (count: number) => void] {
  const [params, setParams] = useSearchParams();
  const text = params.get(param);
  const parsed = text === 'all' ? Number.POSITIVE_INFINITY : Number(text);
  const count = (Number.isInteger(parsed) || parsed === Number.POSITIVE_INFINITY) && parsed > least ? parsed : least;
  const setCount = useCallback(
    (next: number) => {
      setParams(
        (previous) => {
          const updated = new URLSearchParams(previous);
          if (next <= least) updated.delete(param);
          else updated.set(param, next === Number.POSITIVE_INFINITY ? 'all' : String(next));
          return updated;
        },
        { replace: true },
      );
    },
    [param, least, setParams],
  );
  return [count, setCount];
}
