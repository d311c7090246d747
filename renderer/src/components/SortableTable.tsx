import {
  flexRender,
  getCoreRowModel,
  getSortedRowModel,
  useReactTable,
  type ColumnDef,
  type SortingState,
} from '@tanstack/react-table';
import { useMemo, useRef, type ReactNode } from 'react';
import { useUrlSort } from '../state/url-state.js';
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
}

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
}: SortableTableProps<Row>) {
  const fallback = initialSort[0]
    ? { column: initialSort[0].id, direction: initialSort[0].desc ? 'desc' : 'asc' }
    : null;
  const [sort, setSort] = useUrlSort<string>(
    sortParam ?? `${paramName(testId ?? label)}-sort`,
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
  return (
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
        {table.getRowModel().rows.map((row) => (
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
