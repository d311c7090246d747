import {
  flexRender,
  getCoreRowModel,
  getSortedRowModel,
  useReactTable,
  type ColumnDef,
  type SortingState,
} from '@tanstack/react-table';
import { useMemo, useRef, type ReactNode } from 'react';
import { formatCount } from '../format.js';
import { useUrlRowCount, useUrlSort } from '../state/url-state.js';
import { useTitlesOnCutText } from './cut-text.js';

interface SortableTableProps<Row> {
  label: string;
  rows: Row[];
  /** TanStack types each column by its value; these tables show text and numbers. */
  columns: (ColumnDef<Row, string> | ColumnDef<Row, number>)[];
  initialSort?: SortingState;
  onRowOpen?: (row: Row) => void;
  testId?: string;
  /** Rows after the sorted ones that are not rows of the data (a total, a remainder): stay last. */
  footer?: ReactNode;
  /**
   * The URL parameter that keeps this table's sort; by default named after
   * its test id (else its label), so that two tables of one page keep theirs apart.
   */
  sortParam?: string;
  /**
   * Whether a link in each row already opens what `onRowOpen` opens: then the
   * link is the row's one Tab stop, and the row is none of its own (a click
   * anywhere on it still opens it).
   */
  openedByLink?: boolean;
  /**
   * How many rows show before the rest are folded behind "Show more" and
   * "Show all" (FOLD_ROWS by default; null: never folded).
   */
  foldAt?: number | null;
}

/**
 * Rows a table shows at first. A shared MX service's 1,000 hosts, or a big
 * sender's 1,100, would make a page no one scrolls through and that the
 * browser lays out slowly; the first ones, in the table's order (worst first
 * by default), are the ones to read.
 */
const FOLD_ROWS = 100;

/** A column's id as TanStack names it: its `id`, else its accessor key. */
function columnId<Row>(column: ColumnDef<Row, string> | ColumnDef<Row, number>): string[] {
  if (column.id !== undefined) return [column.id];
  const key = (column as { accessorKey?: unknown }).accessorKey;
  return typeof key === 'string' ? [key] : [];
}

/** `Failures by MX host` → `failures-by-mx-host`. */
function paramName(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40);
}

/** A small table sorted in the browser, with keyboard-operable headers and rows. */
export function SortableTable<Row>({
  label,
  rows,
  columns,
  initialSort = [],
  onRowOpen,
  testId,
  footer,
  sortParam,
  openedByLink = false,
  foldAt = FOLD_ROWS,
}: SortableTableProps<Row>) {
  const fallback = initialSort[0]
    ? { column: initialSort[0].id, direction: initialSort[0].desc ? 'desc' : 'asc' }
    : null;
  const paramBase = paramName(testId ?? label);
  const [shown, setShown] = useUrlRowCount(`${paramBase}-rows`, foldAt ?? Number.POSITIVE_INFINITY);
  const [sort, setSort] = useUrlSort<string>(
    sortParam ?? `${paramBase}-sort`,
    columns.flatMap(columnId),
    fallback as { column: string; direction: 'asc' | 'desc' } | null,
  );
  // One array per sort, not per render: the table recomputes its rows, and resets its paging, when it changes.
  const sortColumn = sort?.column ?? null;
  const sortDescending = sort?.direction === 'desc';
  const sorting = useMemo<SortingState>(
    () => (sortColumn === null ? [] : [{ id: sortColumn, desc: sortDescending }]),
    [sortColumn, sortDescending],
  );
  const container = useRef<HTMLTableElement>(null);
  useTitlesOnCutText(container);
  const table = useReactTable({
    data: rows,
    columns,
    state: { sorting },
    onSortingChange: (update) => {
      const next = typeof update === 'function' ? update(sorting) : update;
      const first = next[0];
      setSort(first ? { column: first.id, direction: first.desc ? 'desc' : 'asc' } : null);
    },
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    // These tables do not page; resetting a page index nobody reads only costs a render.
    autoResetPageIndex: false,
  });
  const sortedRows = table.getRowModel().rows;
  const visibleRows = sortedRows.length > shown ? sortedRows.slice(0, shown) : sortedRows;
  const tableElement = (
    <table ref={container} className="data-table" aria-label={label} data-testid={testId}>
      <thead>
        {table.getHeaderGroups().map((group) => (
          <tr key={group.id}>
            {group.headers.map((header) => {
              const sorted = header.column.getIsSorted();
              const title = flexRender(header.column.columnDef.header, header.getContext());
              return (
                <th
                  key={header.id}
                  aria-sort={
                    !header.column.getCanSort()
                      ? undefined
                      : sorted === 'asc'
                        ? 'ascending'
                        : sorted === 'desc'
                          ? 'descending'
                          : 'none'
                  }
                  className={header.column.columnDef.meta?.numeric ? 'numeric' : undefined}
                >
                  {header.column.getCanSort() ? (
                    <button type="button" className="sort" onClick={header.column.getToggleSortingHandler()}>
                      {title}
                      <SortIndicator sorted={sorted} />
                    </button>
                  ) : (
                    title
                  )}
                </th>
              );
            })}
          </tr>
        ))}
      </thead>
      <tbody>
        {visibleRows.map((row) => (
          <tr
            key={row.id}
            className={onRowOpen ? 'clickable' : undefined}
            tabIndex={onRowOpen && !openedByLink ? 0 : undefined}
            onClick={onRowOpen ? () => onRowOpen(row.original) : undefined}
            onKeyDown={
              onRowOpen && !openedByLink
                ? (event) => {
                    if (event.key === 'Enter') onRowOpen(row.original);
                  }
                : undefined
            }
          >
            {row.getVisibleCells().map((cell) => (
              <td key={cell.id} className={cell.column.columnDef.meta?.numeric ? 'numeric' : undefined}>
                {flexRender(cell.column.columnDef.cell, cell.getContext())}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
      {footer !== undefined && <tfoot>{footer}</tfoot>}
    </table>
  );
  if (foldAt === null || sortedRows.length <= foldAt) return tableElement;
  return (
    <>
      {tableElement}
      <TableFold
        label={label}
        shown={visibleRows.length}
        total={sortedRows.length}
        step={foldAt}
        setShown={setShown}
        testId={testId === undefined ? undefined : `${testId}-fold`}
      />
    </>
  );
}

/** Under a folded table: how many rows show of how many, and buttons for the next ones and for all. */
function TableFold({
  label,
  shown,
  total,
  step,
  setShown,
  testId,
}: {
  label: string;
  shown: number;
  total: number;
  step: number;
  setShown: (count: number) => void;
  testId: string | undefined;
}) {
  const more = Math.min(step, total - shown);
  return (
    <p className="table-fold" data-testid={testId}>
      <span role="status">
        {shown < total
          ? `The first ${formatCount(shown)} of ${formatCount(total)} rows, in the table’s order.`
          : `All ${formatCount(total)} rows.`}
      </span>{' '}
      {shown < total ? (
        <>
          {more < total - shown && (
            <button
              type="button"
              onClick={() => setShown(shown + more)}
              aria-label={`Show ${formatCount(more)} more of ${label}`}
            >
              Show {formatCount(more)} more
            </button>
          )}{' '}
          <button
            type="button"
            onClick={() => setShown(Number.POSITIVE_INFINITY)}
            aria-label={`Show all ${formatCount(total)} rows of ${label}`}
          >
            Show all {formatCount(total)}
          </button>
        </>
      ) : (
        <button
          type="button"
          onClick={() => setShown(step)}
          aria-label={`Show only the first ${formatCount(step)} rows of ${label}`}
        >
          Show only the first {formatCount(step)}
        </button>
      )}
    </p>
  );
}

/**
 * ▲ or ▼ on the sorted column, and a faint ↕ on every other one that can be
 * sorted, so that which headers sort is visible before one is pressed. Drawn
 * by the style sheet (`data-sort`), so that a header's text stays its name;
 * the words are in aria-sort.
 */
export function SortIndicator({ sorted }: { sorted: false | 'asc' | 'desc' }) {
  return <span aria-hidden="true" className="sort-indicator" data-sort={sorted === false ? 'none' : sorted} />;
}

declare module '@tanstack/react-table' {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  interface ColumnMeta<TData, TValue> {
    numeric?: boolean;
  }
}
