import {
  flexRender,
  getCoreRowModel,
  getSortedRowModel,
  useReactTable,
  type ColumnDef,
  type SortingState,
} from '@tanstack/react-table';
import { useState, type ReactNode } from 'react';

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
}: SortableTableProps<Row>) {
  const [sorting, setSorting] = useState<SortingState>(initialSort);
  const table = useReactTable({
    data: rows,
    columns,
    state: { sorting },
    onSortingChange: setSorting,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
  });
  return (
    <table className="data-table" aria-label={label} data-testid={testId}>
      <thead>
        {table.getHeaderGroups().map((group) => (
          <tr key={group.id}>
            {group.headers.map((header) => {
              const sorted = header.column.getIsSorted();
              return (
                <th
                  key={header.id}
                  aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : 'none'}
                  className={header.column.columnDef.meta?.numeric ? 'numeric' : undefined}
                >
                  <button type="button" className="sort" onClick={header.column.getToggleSortingHandler()}>
                    {flexRender(header.column.columnDef.header, header.getContext())}
                    <span aria-hidden="true">{sorted === 'asc' ? ' ▲' : sorted === 'desc' ? ' ▼' : ''}</span>
                  </button>
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
            tabIndex={onRowOpen ? 0 : undefined}
            onClick={onRowOpen ? () => onRowOpen(row.original) : undefined}
            onKeyDown={
              onRowOpen
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

declare module '@tanstack/react-table' {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  interface ColumnMeta<TData, TValue> {
    numeric?: boolean;
  }
}
