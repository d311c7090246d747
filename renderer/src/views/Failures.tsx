import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useEffect, useRef, useState, type MouseEvent } from 'react';
import { useHref, useNavigate, useSearchParams } from 'react-router';
import type { FailurePage, FailureQuery, FailureRow, FailureSortColumn } from '../../../shared/api/contract.js';
import { MISSING_RESULT_TYPE, NO_FAILURE_DETAILS } from '../../../shared/summary/types.js';
import { ExplainButtonOnly } from '../components/ResultTypeName.js';
import { explainResultType } from '../../../shared/glossary/result-types.js';
import { api } from '../api/client.js';
import { useApi } from '../api/useApi.js';
import { DetailsBeyondTotal } from '../components/Charts.js';
import { ErrorNote } from '../components/States.js';
import { formatCount, formatDay, orUnnamed } from '../format.js';
import { useDataVersion, useFilter } from '../state/filter.js';
import type { FAILURE_LINK_KEYS } from './failure-links.js';
import { failuresLink, readFailureLink, type FailureLinkFilter } from './failure-links.js';
import { PagedRows, type PagedRowsOptions } from './failure-pages.js';

const ROW_HEIGHT = 34;
const rowHeight = (): number => ROW_HEIGHT;
/**
 * Rows drawn beyond each edge of the view: enough for a wheel notch (about
 * 100 px) or a key, few enough to draw quickly. A fast scroll redraws every
 * drawn row each frame, so each one more costs layout, paint and GC there.
 */
const OVERSCAN = 3;
/**
 * Browsers cap an element's height (Chromium near 33.5 million pixels), so a
 * list of millions of rows cannot scroll to its end. The list holds this many;
 * filters, another sort or the CSV export reach the others.
 */
const MAX_LISTED_ROWS = 500_000;
const PAGING: PagedRowsOptions = {
  pageSize: 200,
  maxInFlight: 2,
  prefetchPages: 2,
  maxCachedPages: 100,
  settleMs: 60,
};

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
  const { domain, ...narrowed } = link;
  const query: FailureQuery = {
    filter: domain === undefined ? filter : { ...filter, policyDomain: domain },
    ...narrowed,
  };

  const setLink = (update: FailureLinkFilter): void => {
    setParams(new URLSearchParams(failuresLink({ ...link, ...update }).split('?')[1] ?? ''));
  };

  return (
    <>
      <h2>Failure details</h2>
      {(
        [
          ['domain', 'Policy domain'],
          ['sendingIp', 'Sending IP'],
          ['receivingIp', 'Receiving IP'],
        ] as const
      ).map(([key, label]) =>
        link[key] === undefined ? null : (
          <p key={key} data-testid={`failures-${key}`}>
            {label} <strong>{link[key] ?? '(not named)'}</strong>{' '}
            <button type="button" onClick={() => setLink({ [key]: undefined })}>
              Remove
            </button>
          </p>
        ),
      )}
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
  const { total, counts, rowAt, show, error } = usePagedFailures(query, sort);
  const listed = Math.min(total ?? 0, MAX_LISTED_ROWS);
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: listed,
    getScrollElement: () => scrollRef.current,
    estimateSize: rowHeight,
    overscan: OVERSCAN,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? -1;
  useEffect(() => {
    show(first, last);
  }, [show, first, last]);
  const slots = useRowSlots(items.length);
  const reportsHref = useHref('/reports');
  const navigate = useNavigate();
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

  /** The sender links are plain anchors (cheap to draw by the hundred); a plain click navigates as a Link does. */
  const openReport = (event: MouseEvent<HTMLDivElement>): void => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.altKey || event.ctrlKey || event.shiftKey) return;
    const target = event.target instanceof Element ? event.target.closest('a[data-report]') : null;
    const id = target?.getAttribute('data-report');
    if (!id) return;
    event.preventDefault();
    void navigate(`/reports/${id}`);
  };

  return (
    <>
      <div className="toolbar">
        <span role="status" data-testid="failures-count">
          {total === null
            ? 'Counting…'
            : `${formatCount(total)} failure detail rows${counts === null ? '' : `, ${formatCount(counts.failedSessions)} failed sessions`}`}
        </span>
        {total !== null && total > listed && (
          <span className="muted" data-testid="failures-capped">
            The list shows the first {formatCount(listed)} in this order: filter or sort to reach the others, or export
            them all.
          </span>
        )}
        <button type="button" onClick={() => void exportCsv()} disabled={!total}>
          Export CSV
        </button>
        {exporting && <span className="muted">{exporting}</span>}
      </div>
      {counts !== null && <FailureReconciliation counts={counts} />}
      {error && <ErrorNote message={error} />}
      <div className="virtual-table" role="table" aria-label="Failure details" aria-rowcount={listed + 1}>
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
        <div ref={scrollRef} className="virtual-body" data-testid="failures-scroll" tabIndex={0} onClick={openReport}>
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {items.map((item) => (
              <FailureRowView
                // Keys are slots reused as rows scroll by: a row entering takes the DOM nodes of one leaving.
                key={item.index % slots}
                index={item.index}
                start={item.start}
                row={rowAt(item.index)}
                reportsHref={reportsHref}
              />
            ))}
          </div>
        </div>
      </div>
    </>
  );
}

/**
 * How many slots the rows are keyed by: the most rows drawn at once so far,
 * so that any run of drawn rows has distinct keys, and a scrolled list
 * reuses nearly all of them.
 */
function useRowSlots(drawn: number): number {
  const [slots, setSlots] = useState(drawn);
  if (drawn > slots) setSlots(drawn);
  return Math.max(slots, drawn, 1);
}

/** One row of the list, drawn again only when its row, index or place changes. */
const FailureRowView = memo(function FailureRowView({
  index,
  start,
  row,
  reportsHref,
}: {
  index: number;
  start: number;
  row: FailureRow | undefined;
  reportsHref: string;
}) {
  return (
    <div
      role="row"
      aria-rowindex={index + 2}
      className="virtual-row"
      data-testid="failure-row"
      style={{
        position: 'absolute',
        top: 0,
        left: 0,
        right: 0,
        height: ROW_HEIGHT,
        transform: `translateY(${start}px)`,
        contain: 'strict',
      }}
    >
      {COLUMNS.map((column) => (
        <div
          key={column.id}
          role="cell"
          className={column.numeric ? 'numeric' : undefined}
          // A cell cut by its column still says all of itself; a result type also what it means.
          title={row === undefined ? undefined : cellTitle(column, row)}
        >
          {row === undefined ? (
            '…'
          ) : column.id === 'organization' ? (
            <a href={`${reportsHref}/${row.reportRowId}`} data-report={row.reportRowId}>
              {column.value(row)}
            </a>
          ) : (
            column.value(row)
          )}
        </div>
      ))}
    </div>
  );
});

function cellTitle(column: Column, row: FailureRow): string {
  const text = column.value(row);
  return column.id === 'resultType'
    ? `${text}: ${explainResultType(row.resultType ?? MISSING_RESULT_TYPE).title}`
    : text;
}

/** The query's failed sessions, and what of the senders' totals its failure details leave out or exceed. */
type FailureCounts = Pick<FailurePage, 'failedSessions' | 'failedWithoutDetails' | 'detailsBeyondTotal'>;

function FailureReconciliation({ counts }: { counts: FailureCounts }) {
  const without = counts.failedWithoutDetails ?? 0;
  return (
    <>
      {without > 0 && (
        <p className="muted reconciliation-note" data-testid="failures-reconciliation">
          The senders&rsquo; totals count {formatCount(without)} more failed sessions here for which they sent no
          failure details ({NO_FAILURE_DETAILS}).
        </p>
      )}
      <DetailsBeyondTotal count={counts.detailsBeyondTotal ?? 0} />
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
      {link.resultType !== undefined && <ExplainButtonOnly type={link.resultType ?? MISSING_RESULT_TYPE} />}
      {select('policyType', 'Policy type', ready?.policyTypes ?? [], true)}
    </form>
  );
}

/**
 * Loads pages of rows on demand as the list scrolls (see PagedRows). The list
 * is remounted for a new query or sort, so the ones given at mount hold for
 * its life.
 */
function usePagedFailures(
  query: FailureQuery,
  sort: FailureSort,
): {
  total: number | null;
  counts: FailureCounts | null;
  rowAt: (index: number) => FailureRow | undefined;
  show: (first: number, last: number) => void;
  error: string | null;
} {
  const [, setVersion] = useState(0);
  const [error, setError] = useState<string | null>(null);
  // Every page answers the query's counts too; the first one to come back is kept.
  const [counts, setCounts] = useState<FailureCounts | null>(null);
  const [pages] = useState(
    () =>
      new PagedRows<FailureRow>(
        async (offset, limit) => {
          const page = await api.call('failures', { query, sort, offset, limit });
          const { failedSessions, failedWithoutDetails, detailsBeyondTotal } = page;
          setCounts((known) => known ?? { failedSessions, failedWithoutDetails, detailsBeyondTotal });
          return page;
        },
        {
          changed: () => {
            setVersion((version) => version + 1);
          },
          failed: setError,
        },
        PAGING,
      ),
  );
  useEffect(() => {
    pages.start();
    return () => {
      pages.stop();
    };
  }, [pages]);
  const rowAt = useCallback((index: number) => pages.rowAt(index), [pages]);
  const show = useCallback(
    (first: number, last: number) => {
      pages.show(first, last);
    },
    [pages],
  );
  return { total: pages.total, counts, rowAt, show, error };
}
