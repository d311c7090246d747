import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { FailureQuery, FailureRow, FailureSortColumn } from '../../../shared/api/contract.js';
import { api } from '../api/client.js';
import { useApi } from '../api/useApi.js';
import { ErrorNote } from '../components/States.js';
import { formatCount, formatDay, orUnnamed } from '../format.js';
import { useDataVersion, useFilter } from '../state/filter.js';
import type { FAILURE_LINK_KEYS } from './failure-links.js';
import { failuresLink, readFailureLink, type FailureLinkFilter } from './failure-links.js';

const PAGE_SIZE = 200;
const ROW_HEIGHT = 34;

interface Column {
  id: FailureSortColumn;
  header: string;
  value: (row: FailureRow) => string;
  numeric?: boolean;
}

const COLUMNS: Column[] = [
  { id: 'startTime', header: 'Date', value: (row) => formatDay(row.startTime) },
  { id: 'organization', header: 'Sender', value: (row) => row.organization },
  { id: 'policyDomain', header: 'Domain', value: (row) => orUnnamed(row.policyDomain) },
  { id: 'policyType', header: 'Policy', value: (row) => orUnnamed(row.policyType) },
  { id: 'resultType', header: 'Result type', value: (row) => orUnnamed(row.resultType) },
  { id: 'receivingMxHostname', header: 'MX host', value: (row) => orUnnamed(row.receivingMxHostname) },
  { id: 'sendingMtaIp', header: 'Sending IP', value: (row) => row.sendingMtaIp ?? '' },
  { id: 'receivingIp', header: 'Receiving IP', value: (row) => row.receivingIp ?? '' },
  { id: 'failedSessions', header: 'Failed', value: (row) => formatCount(row.failedSessions), numeric: true },
];

interface FailureSort {
  column: FailureSortColumn;
  direction: 'asc' | 'desc';
}

/** Every failure detail, filtered and sorted by the backend, scrolled through a virtual list. */
export function Failures() {
  const [params, setParams] = useSearchParams();
  const link = readFailureLink(params);
  const { filter } = useFilter();
  const dataVersion = useDataVersion();
  const [sort, setSort] = useState<FailureSort>({ column: 'startTime', direction: 'desc' });
  const query: FailureQuery = { filter, ...link };

  const setLink = (update: FailureLinkFilter): void => {
    setParams(new URLSearchParams(failuresLink({ ...link, ...update }).split('?')[1] ?? ''));
  };

  return (
    <>
      <h2>Failure details</h2>
      <FailureFilters link={link} onChange={setLink} />
      {/* A new query, sort or data set starts a fresh list. */}
      <FailureList key={JSON.stringify([query, sort, dataVersion])} query={query} sort={sort} onSort={setSort} />
    </>
  );
}

function FailureList({
  query,
  sort,
  onSort,
}: {
  query: FailureQuery;
  sort: FailureSort;
  onSort: (sort: FailureSort) => void;
}) {
  const { total, rowAt, error } = usePagedFailures(query, sort);
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: total ?? 0,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
  });
  const [exporting, setExporting] = useState<string | null>(null);

  const exportCsv = async (): Promise<void> => {
    setExporting('Exporting…');
    try {
      const { csv, rows } = await api.call('failuresCsv', { query, sort });
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
      const anchor = document.createElement('a');
      anchor.href = url;
      anchor.download = `tlsrpt-failures-${new Date().toISOString().slice(0, 10)}.csv`;
      anchor.click();
      setTimeout(() => {
        URL.revokeObjectURL(url);
      }, 60_000);
      setExporting(`Exported ${formatCount(rows)} rows.`);
    } catch (caught) {
      setExporting(`Export failed: ${caught instanceof Error ? caught.message : String(caught)}`);
    }
  };

  return (
    <>
      <div className="toolbar">
        <span role="status" data-testid="failures-count">
          {total === null ? 'Counting…' : `${formatCount(total)} failure detail rows`}
        </span>
        <button type="button" onClick={() => void exportCsv()} disabled={!total}>
          Export CSV
        </button>
        {exporting && <span className="muted">{exporting}</span>}
      </div>
      {error && <ErrorNote message={error} />}
      <div className="virtual-table" role="table" aria-label="Failure details" aria-rowcount={(total ?? 0) + 1}>
        <div className="virtual-row header" role="row">
          {COLUMNS.map((column) => (
            <div
              key={column.id}
              role="columnheader"
              className={column.numeric ? 'numeric' : undefined}
              aria-sort={sort.column === column.id ? (sort.direction === 'asc' ? 'ascending' : 'descending') : 'none'}
            >
              <button
                type="button"
                className="sort"
                onClick={() => {
                  onSort({
                    column: column.id,
                    direction: sort.column === column.id && sort.direction === 'desc' ? 'asc' : 'desc',
                  });
                }}
              >
                {column.header}
                <span aria-hidden="true">
                  {sort.column === column.id ? (sort.direction === 'asc' ? ' ▲' : ' ▼') : ''}
                </span>
              </button>
            </div>
          ))}
        </div>
        <div ref={scrollRef} className="virtual-body" data-testid="failures-scroll" tabIndex={0}>
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualizer.getVirtualItems().map((item) => {
              const row = rowAt(item.index);
              return (
                <div
                  key={item.key}
                  role="row"
                  aria-rowindex={item.index + 2}
                  className="virtual-row"
                  data-testid="failure-row"
                  style={{
                    position: 'absolute',
                    top: 0,
                    left: 0,
                    right: 0,
                    height: item.size,
                    transform: `translateY(${item.start}px)`,
                  }}
                >
                  {COLUMNS.map((column) => (
                    <div key={column.id} role="cell" className={column.numeric ? 'numeric' : undefined}>
                      {row === undefined ? (
                        '…'
                      ) : column.id === 'organization' ? (
                        <Link to={`/reports/${row.reportRowId}`}>{column.value(row)}</Link>
                      ) : (
                        column.value(row)
                      )}
                    </div>
                  ))}
                </div>
              );
            })}
          </div>
        </div>
      </div>
    </>
  );
}

function FailureFilters({
  link,
  onChange,
}: {
  link: FailureLinkFilter;
  onChange: (update: FailureLinkFilter) => void;
}) {
  const options = useApi('filterOptions', {});
  const ready = options.status === 'ready' ? options.value : null;
  const select = (key: (typeof FAILURE_LINK_KEYS)[number], label: string, values: string[], allowUnnamed: boolean) => {
    const current = link[key];
    // '*' stands for any value, '' for "the sender named none".
    const value = current === undefined ? '*' : (current ?? '');
    return (
      <label>
        {label}{' '}
        <select
          value={value}
          onChange={(event) => {
            const next = event.target.value;
            onChange({ [key]: next === '*' ? undefined : next === '' ? null : next });
          }}
        >
          <option value="*">All</option>
          {allowUnnamed && <option value="">(not named)</option>}
          {values.map((item) => (
            <option key={item} value={item}>
              {item}
            </option>
          ))}
        </select>
      </label>
    );
  };
  return (
    <form className="filter-bar" aria-label="Failure filters" onSubmit={(event) => event.preventDefault()}>
      {select('organization', 'Sender', ready?.organizations ?? [], false)}
      <label>
        MX host{' '}
        <input
          type="search"
          placeholder="mx1.example.com"
          defaultValue={link.mx ?? ''}
          key={link.mx ?? ''}
          onKeyDown={(event) => {
            if (event.key === 'Enter')
              onChange({ mx: event.currentTarget.value.trim() === '' ? undefined : event.currentTarget.value.trim() });
          }}
          onBlur={(event) =>
            onChange({
              mx:
                event.currentTarget.value.trim() === ''
                  ? link.mx === null
                    ? null
                    : undefined
                  : event.currentTarget.value.trim(),
            })
          }
        />
      </label>
      {select('resultType', 'Result type', ready?.resultTypes ?? [], true)}
      {select('policyType', 'Policy type', ready?.policyTypes ?? [], true)}
    </form>
  );
}

/**
 * Loads pages of rows on demand as the list scrolls. The list is remounted
 * for a new query or sort, so the ones given at mount hold for its life.
 */
function usePagedFailures(
  query: FailureQuery,
  sort: FailureSort,
): { total: number | null; rowAt: (index: number) => FailureRow | undefined; error: string | null } {
  const [total, setTotal] = useState<number | null>(null);
  const [pages, setPages] = useState<Map<number, FailureRow[]>>(() => new Map());
  const [error, setError] = useState<string | null>(null);
  const requested = useRef(new Set<number>());
  const [request] = useState(() => ({ query, sort }));

  const load = useCallback(
    (page: number) => {
      if (requested.current.has(page)) return;
      requested.current.add(page);
      api.call('failures', { ...request, offset: page * PAGE_SIZE, limit: PAGE_SIZE }).then(
        (result) => {
          setTotal(result.total);
          setPages((previous) => new Map(previous).set(page, result.rows));
        },
        (caught: unknown) => {
          setError(caught instanceof Error ? caught.message : String(caught));
        },
      );
    },
    [request],
  );

  useEffect(() => {
    load(0);
  }, [load]);

  const rowAt = useCallback(
    (index: number) => {
      const page = Math.floor(index / PAGE_SIZE);
      const rows = pages.get(page);
      if (!rows) {
        queueMicrotask(() => {
          load(page);
        });
        return undefined;
      }
      return rows[index % PAGE_SIZE];
    },
    [pages, load],
  );
  return { total, rowAt, error };
}
