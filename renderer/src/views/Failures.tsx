import { useVirtualizer } from '@tanstack/react-virtual';
import {
  memo,
  useCallback,
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
  type CSSProperties,
  type MouseEvent,
  type ReactNode,
} from 'react';
import { Link, useHref, useNavigate, useSearchParams } from 'react-router';
import type { FailurePage, FailureQuery, FailureRow, FailureSortColumn, Sort } from '../../../shared/api/contract.js';
import { MISSING_RESULT_TYPE, NO_FAILURE_DETAILS } from '../../../shared/summary/types.js';
import { ExplainButtonOnly, ResultTypeName } from '../components/ResultTypeName.js';
import { explainResultType } from '../../../shared/glossary/result-types.js';
import { api, canUpload, downloadFailuresCsv } from '../api/client.js';
import { useApi } from '../api/useApi.js';
import { DetailsBeyondTotal } from '../components/Charts.js';
import { ErrorNote } from '../components/States.js';
import { formatCount, formatDay, orUnnamed } from '../format.js';
import { useDataVersion, useFilter } from '../state/filter.js';
import { failuresLink, readFailureLink, readFailureSort, type FailureLinkFilter } from './failure-links.js';
import { PagedRows, type PagedRowsOptions } from './failure-pages.js';
import { AsOfTag } from '../components/AsOfTag.js';

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
/** How long the list must rest before its place is written to the URL. */
const SCROLL_REST_MS = 400;
const PAGING: PagedRowsOptions = {
  pageSize: 200,
  maxInFlight: 2,
  prefetchPages: 2,
  maxCachedPages: 100,
  settleMs: 60,
};

interface Column {
  id: FailureSortColumn | 'failureReasonCode' | 'additionalInformation';
  header: string;
  value: (row: FailureRow) => string;
  numeric?: boolean;
  /**
   * The column's track in the rows' grid. Dates, IPv4 addresses and counts
   * have a known longest text, so their columns are that wide in `ch` (the
   * width of a digit, which the cells draw as tabular figures) plus the
   * cell's padding: under DejaVu Sans a date needed 97 px where 96 px were
   * given, and every date was cut. Names share what is left.
   */
  track: string;
  /** Hidden unless the reader asks for them: most reports leave them out. */
  optional?: boolean;
  sortable?: boolean;
}

/** A cell's padding on both sides (8 px each) and a pixel for rounding. */
const PAD = '17px';

const COLUMNS: Column[] = [
  {
    id: 'startTime',
    header: 'Date',
    value: (row) => formatDay(row.startTime),
    track: `calc(10ch + ${PAD})`,
    sortable: true,
  },
  {
    id: 'organization',
    header: 'Sender',
    value: (row) => row.organization,
    track: 'minmax(8ch, 1.3fr)',
    sortable: true,
  },
  {
    id: 'policyDomain',
    header: 'Domain',
    value: (row) => orUnnamed(row.policyDomain),
    track: 'minmax(8ch, 1fr)',
    sortable: true,
  },
  {
    id: 'policyType',
    header: 'Policy',
    value: (row) => orUnnamed(row.policyType),
    // "sts" and "tlsa" whole, with the sort arrow in the header.
    track: `minmax(calc(6ch + ${PAD}), 0.6fr)`,
    sortable: true,
  },
  {
    id: 'resultType',
    header: 'Result type',
    value: (row) => orUnnamed(row.resultType),
    track: 'minmax(12ch, 1.3fr)',
    sortable: true,
  },
  {
    id: 'receivingMxHostname',
    header: 'MX host',
    value: (row) => orUnnamed(row.receivingMxHostname),
    track: 'minmax(10ch, 1.4fr)',
    sortable: true,
  },
  {
    id: 'sendingMtaIp',
    header: 'Sending IP',
    value: (row) => row.sendingMtaIp ?? '',
    // 255.255.255.255: 12 digits and 3 dots, narrower than digits.
    track: `minmax(calc(13ch + ${PAD}), 1fr)`,
    sortable: true,
  },
  {
    id: 'receivingIp',
    header: 'Receiving IP',
    value: (row) => row.receivingIp ?? '',
    track: `minmax(calc(13ch + ${PAD}), 1fr)`,
    sortable: true,
  },
  {
    id: 'failedSessions',
    header: 'Failed',
    value: (row) => formatCount(row.failedSessions),
    numeric: true,
    track: `calc(7ch + ${PAD})`,
    sortable: true,
  },
  {
    id: 'failureReasonCode',
    header: 'Reason code',
    value: (row) => row.failureReasonCode ?? '',
    track: 'minmax(8ch, 0.8fr)',
    optional: true,
  },
  {
    id: 'additionalInformation',
    header: 'Additional information',
    value: (row) => row.additionalInformation ?? '',
    track: 'minmax(10ch, 1.2fr)',
    optional: true,
  },
];

const USUAL_COLUMNS = COLUMNS.filter((column) => column.optional !== true);

/** The grid every row of the list shares, so that the header and the rows line up. */
function gridOf(columns: readonly Column[]): CSSProperties {
  return { gridTemplateColumns: columns.map((column) => column.track).join(' ') };
}

type FailureSort = Sort<FailureSortColumn>;

/** Every failure detail, filtered and sorted by the backend, scrolled through a virtual list. */
export function Failures() {
  const [params, setParams] = useSearchParams();
  const link = readFailureLink(params);
  const sort = readFailureSort(params);
  const { filter } = useFilter();
  const dataVersion = useDataVersion();
  const [moreColumns, setMoreColumns] = useState(params.get('columns') === 'all');
  const { domain, ...narrowed } = link;
  const query: FailureQuery = {
    filter: domain === undefined ? filter : { ...filter, policyDomain: domain },
    ...narrowed,
  };

  /** Filters and sort live in the URL: a reload, Back and a shared link show the same rows. */
  const navigateTo = (nextLink: FailureLinkFilter, nextSort: FailureSort, columns: boolean): void => {
    const next = new URLSearchParams(failuresLink(nextLink, nextSort).split('?')[1] ?? '');
    if (columns) next.set('columns', 'all');
    setParams(next);
  };
  const setLink = (update: FailureLinkFilter): void => {
    navigateTo({ ...link, ...update }, sort, moreColumns);
  };
  // Where the list was scrolled to (its first row in view), so that Back from a report returns there.
  const row = Number(params.get('row') ?? '0');
  const startRow = Number.isSafeInteger(row) && row > 0 ? row : 0;
  const keepRow = useCallback(
    (first: number) => {
      setParams(
        (previous) => {
          const next = new URLSearchParams(previous);
          if (first > 0) next.set('row', String(first));
          else next.delete('row');
          return next;
        },
        { replace: true },
      );
    },
    [setParams],
  );

  return (
    <>
      <h2>
        Failure details
        <AsOfTag />
      </h2>
      <FailureFilters link={link} filter={query.filter} onChange={setLink} />
      <FailureChips link={link} onChange={setLink} />
      <label className="column-toggle">
        <input
          type="checkbox"
          checked={moreColumns}
          onChange={(event) => {
            setMoreColumns(event.target.checked);
            navigateTo(link, sort, event.target.checked);
          }}
        />{' '}
        Show the reason code and additional information
      </label>
      {/* A new query, sort or data set starts a fresh list. */}
      <FailureList
        key={JSON.stringify([query, sort, dataVersion])}
        query={query}
        sort={sort}
        startRow={startRow}
        onScrolledTo={keepRow}
        columns={moreColumns ? COLUMNS : USUAL_COLUMNS}
        onSort={(next) => {
          navigateTo(link, next, moreColumns);
        }}
      />
    </>
  );
}

/** Filters that have no box of their own (a value the sender did not name, one report), each with Remove. */
function FailureChips({ link, onChange }: { link: FailureLinkFilter; onChange: (update: FailureLinkFilter) => void }) {
  const chips: { key: keyof FailureLinkFilter; label: string; value: ReactNode }[] = [];
  if (link.report !== undefined) {
    chips.push({
      key: 'report',
      label: 'Report',
      value: <Link to={`/reports/${link.report}`}>#{link.report}</Link>,
    });
  }
  if (link.mx === null) chips.push({ key: 'mx', label: 'MX host', value: '(not named)' });
  if (link.sendingIp === null) chips.push({ key: 'sendingIp', label: 'Sending IP', value: '(not named)' });
  if (link.receivingIp === null) chips.push({ key: 'receivingIp', label: 'Receiving IP', value: '(not named)' });
  if (chips.length === 0) return null;
  return (
    <p className="filter-chips">
      {chips.map((chip) => (
        <span key={chip.key} className="chip" data-testid={`failures-${chip.key}`}>
          {chip.label} <strong>{chip.value}</strong>{' '}
          <button
            type="button"
            aria-label={`Remove the ${chip.label.toLowerCase()} filter`}
            onClick={() => onChange({ [chip.key]: undefined })}
          >
            Remove
          </button>
        </span>
      ))}
    </p>
  );
}

function FailureList({
  query,
  sort,
  columns,
  onSort,
  startRow,
  onScrolledTo,
}: {
  query: FailureQuery;
  sort: FailureSort;
  columns: readonly Column[];
  onSort: (sort: FailureSort) => void;
  /** The row to show first (from the URL). */
  startRow: number;
  /** The first row in view, once scrolling has rested. */
  onScrolledTo: (row: number) => void;
}) {
  const grid = useMemo(() => gridOf(columns), [columns]);
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
  const restored = useRef(false);
  useEffect(() => {
    if (restored.current || total === null) return;
    restored.current = true;
    if (startRow > 0 && startRow < listed) virtualizer.scrollToIndex(startRow, { align: 'start' });
  }, [total, listed, startRow, virtualizer]);
  const topRow = virtualizer.range?.startIndex ?? 0;
  useEffect(() => {
    if (!restored.current) return;
    // Written when the scroll rests, not on every frame: each write is a history replace.
    const timer = setTimeout(() => {
      onScrolledTo(topRow);
    }, SCROLL_REST_MS);
    return () => {
      clearTimeout(timer);
    };
  }, [topRow, onScrolledTo]);
  const slots = useRowSlots(items.length);
  const reportsHref = useHref('/reports');
  const navigate = useNavigate();
  const [exporting, setExporting] = useState<string | null>(null);

  const exportCsv = async (): Promise<void> => {
    if (canUpload()) {
      // Serve mode: the browser downloads it as the server streams it.
      downloadFailuresCsv({ query, sort });
      setExporting(`Downloading ${formatCount(total ?? 0)} rows as CSV: the browser saves the file.`);
      return;
    }
    setExporting('Exporting…');
    try {
      const { file, rows } = await api.call('saveFailuresCsv', { query, sort });
      setExporting(file === null ? null : `Exported ${formatCount(rows)} rows to ${file}.`);
    } catch (caught) {
      setExporting(`Export failed: ${caught instanceof Error ? caught.message : String(caught)}`);
    }
  };

  /**
   * A row opens its report: the sender cell is a plain anchor (cheap to draw
   * by the hundred, and reached by Tab), and a click anywhere else on the
   * row does what a click on it would. Modified clicks are the browser's.
   */
  const openReport = (event: MouseEvent<HTMLDivElement>): void => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.altKey || event.ctrlKey || event.shiftKey) return;
    if (!(event.target instanceof Element)) return;
    // A result type's open glossary entry is read, not a way into the report.
    if (event.target.closest('.result-type')) return;
    // Selecting text in a cell (to copy an IP) is not a click on the row.
    if ((window.getSelection()?.toString() ?? '') !== '') return;
    const row = event.target.closest('[data-testid=failure-row]');
    const id = row?.querySelector('a[data-report]')?.getAttribute('data-report');
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
      {counts !== null && <DetailsBeyondTotal count={counts.detailsBeyondTotal ?? 0} />}
      {error && <ErrorNote message={error} />}
      <div
        className="virtual-table"
        role="table"
        aria-label="Failure details"
        aria-rowcount={listed + 1 + reconciliationRowCount(counts)}
      >
        <div className="virtual-row header" role="row" style={grid}>
          {columns.map((column) => (
            <div
              key={column.id}
              role="columnheader"
              className={column.numeric ? 'numeric' : undefined}
              aria-sort={
                sort.column === column.id ? (sort.direction === 'asc' ? 'ascending' : 'descending') : undefined
              }
              title={column.header}
            >
              {column.sortable ? (
                <button
                  type="button"
                  className="sort"
                  onClick={() => {
                    onSort({
                      column: column.id as FailureSortColumn,
                      direction: sort.column === column.id && sort.direction === 'desc' ? 'asc' : 'desc',
                    });
                  }}
                >
                  {column.header}
                  <span aria-hidden="true">
                    {sort.column === column.id ? (sort.direction === 'asc' ? ' ▲' : ' ▼') : ''}
                  </span>
                </button>
              ) : (
                column.header
              )}
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
                columns={columns}
                grid={grid}
              />
            ))}
          </div>
        </div>
        {counts !== null && (
          <FailureReconciliationRows counts={counts} columns={columns} grid={grid} firstRowIndex={listed + 2} />
        )}
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
  columns,
  grid,
}: {
  index: number;
  start: number;
  row: FailureRow | undefined;
  reportsHref: string;
  columns: readonly Column[];
  grid: CSSProperties;
}) {
  return (
    <div
      role="row"
      aria-rowindex={index + 2}
      className="virtual-row"
      data-testid="failure-row"
      style={{
        ...grid,
        position: 'absolute',
        top: 0,
        left: 0,
        right: 0,
        height: ROW_HEIGHT,
        transform: `translateY(${start}px)`,
        contain: 'strict',
      }}
    >
      {columns.map((column) => (
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
          ) : column.id === 'resultType' ? (
            <ResultTypeCell row={row} text={column.value(row)} />
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

/**
 * A result type and its glossary button, in every drawn row: a button per
 * cell is cheap (the list draws only the rows in view), and Tab reaches it.
 * Keyed by the row, so that a slot scrolled to another row comes closed.
 * The name is cut before the button is: the button stays in view.
 */
function ResultTypeCell({ row, text }: { row: FailureRow; text: string }) {
  return (
    <span className="type-cell">
      <span className="cut" title={text}>
        {text}
      </span>
      <ExplainButtonOnly key={row.id} type={row.resultType ?? MISSING_RESULT_TYPE} />
    </span>
  );
}

/** The query's failed sessions, and what of the senders' totals its failure details leave out or exceed. */
type FailureCounts = Pick<FailurePage, 'failedSessions' | 'failedWithoutDetails' | 'detailsBeyondTotal'>;

/** Whether the list ends in the rows that reconcile it with the senders' totals, and how many. */
function reconciliationRowCount(counts: FailureCounts | null): number {
  const without = counts?.failedWithoutDetails ?? null;
  if (counts === null || without === null) return 0;
  const beyond = counts.detailsBeyondTotal ?? 0;
  if (without === 0 && beyond === 0) return 0;
  return without > 0 ? 2 : 1;
}

/**
 * The last rows of the table, below the scrolled ones and always in view:
 * the failed sessions the senders counted without failure details (RFC
 * 8460 §4.4 makes details optional), and the senders' total these rows add
 * up to (the details, plus those, less details beyond the totals). Only for
 * a query the summaries can answer (time, domain, sender): the others narrow
 * by what only details know. The count sits in the Failed column.
 */
function FailureReconciliationRows({
  counts,
  columns,
  grid,
  firstRowIndex,
}: {
  counts: FailureCounts;
  columns: readonly Column[];
  grid: CSSProperties;
  firstRowIndex: number;
}) {
  if (reconciliationRowCount(counts) === 0) return null;
  const without = counts.failedWithoutDetails ?? 0;
  const beyond = counts.detailsBeyondTotal ?? 0;
  const failedColumn = columns.findIndex((column) => column.id === 'failedSessions');
  const after = columns.length - failedColumn - 1;
  const row = (index: number, testId: string, label: ReactNode, count: number): ReactNode => (
    <div role="row" aria-rowindex={index} className="virtual-row summary" data-testid={testId} style={grid}>
      <div role="rowheader" style={{ gridColumn: `1 / span ${failedColumn}` }}>
        {label}
      </div>
      <div role="cell" className="numeric" data-testid={`${testId}-count`}>
        {formatCount(count)}
      </div>
      {after > 0 && <div role="cell" aria-hidden="true" style={{ gridColumn: `span ${after}` }} />}
    </div>
  );
  return (
    <div role="rowgroup" className="virtual-footer">
      {without > 0 &&
        row(
          firstRowIndex,
          'failures-without-details',
          <>
            <ResultTypeName type={NO_FAILURE_DETAILS} />{' '}
            <span className="muted">failed sessions the senders counted without failure details</span>
          </>,
          without,
        )}
      {row(
        firstRowIndex + (without > 0 ? 1 : 0),
        'failures-senders-total',
        <>
          Failed sessions in the senders&rsquo; totals{' '}
          <span className="muted">
            (the rows{without > 0 ? ' and those without details' : ''}
            {beyond > 0 ? `, less ${formatCount(beyond)} named beyond the totals` : ''})
          </span>
        </>,
        counts.failedSessions + without - beyond,
      )}
    </div>
  );
}

/** How many MX hosts the box suggests: enough to choose from, few enough to read. */
const MX_SUGGESTIONS = 20;

function FailureFilters({
  link,
  filter,
  onChange,
}: {
  link: FailureLinkFilter;
  filter: FailureQuery['filter'];
  onChange: (update: FailureLinkFilter) => void;
}) {
  const options = useApi('filterOptions', {});
  const ready = options.status === 'ready' ? options.value : null;
  const select = (
    key: 'organization' | 'domain' | 'resultType' | 'policyType',
    label: string,
    values: readonly string[],
    allowUnnamed: boolean,
  ) => {
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
            onChange({ [key]: next === '*' ? undefined : next === '' && allowUnnamed ? null : next });
          }}
        >
          <option value="*">All</option>
          {allowUnnamed && <option value="">(not named)</option>}
          {current != null && !values.includes(current) && <option value={current}>{current}</option>}
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
    <form
      className="filter-bar failure-filters"
      aria-label="Failure filters"
      onSubmit={(event) => event.preventDefault()}
    >
      {select('organization', 'Sender', ready?.organizations ?? [], false)}
      {select('domain', 'Domain', ready?.domains ?? [], false)}
      <MxHostBox link={link} filter={filter} onChange={onChange} />
      {select('resultType', 'Result type', ready?.resultTypes ?? [], true)}
      {link.resultType !== undefined && <ExplainButtonOnly type={link.resultType ?? MISSING_RESULT_TYPE} />}
      {select('policyType', 'Policy type', ready?.policyTypes ?? [], true)}
      <TextFilter
        label="Sending IP"
        placeholder="192.0.2.1"
        value={link.sendingIp}
        onChange={(value) => onChange({ sendingIp: value })}
      />
      <TextFilter
        label="Receiving IP"
        placeholder="198.51.100.7"
        value={link.receivingIp}
        onChange={(value) => onChange({ receivingIp: value })}
      />
    </form>
  );
}

/** A box that filters when Enter is pressed or it is left; emptied, it filters no more. */
function TextFilter({
  label,
  placeholder,
  value,
  onChange,
  list,
  onType,
}: {
  label: string;
  placeholder: string;
  value: string | null | undefined;
  onChange: (value: string | undefined) => void;
  list?: string;
  onType?: (text: string) => void;
}) {
  const shown = value ?? '';
  const commit = (text: string): void => {
    const trimmed = text.trim();
    if (trimmed === shown) return;
    onChange(trimmed === '' ? undefined : trimmed);
  };
  return (
    <label>
      {label}{' '}
      <input
        type="search"
        placeholder={placeholder}
        defaultValue={shown}
        // A new value from the URL (Back, a link) replaces what the box holds.
        key={shown}
        list={list}
        autoComplete="off"
        spellCheck={false}
        onChange={(event) => onType?.(event.currentTarget.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter') commit(event.currentTarget.value);
        }}
        onBlur={(event) => {
          commit(event.currentTarget.value);
        }}
      />
    </label>
  );
}

/**
 * The MX host box: what is typed matches any host whose name contains it, in
 * any case (`MX1` finds `mx1.example.com` and `backup-mx1.example.net`), and
 * the hosts that do are suggested as it is typed. A drill-down's exact host
 * shows in it too; editing it turns it into a search.
 */
function MxHostBox({
  link,
  filter,
  onChange,
}: {
  link: FailureLinkFilter;
  filter: FailureQuery['filter'];
  onChange: (update: FailureLinkFilter) => void;
}) {
  const listId = useId();
  const current = link.mxSearch ?? link.mx ?? '';
  const [typed, setTyped] = useState(current);
  const hosts = useApi('mxHosts', { filter });
  const suggestions = useMemo(() => {
    if (hosts.status !== 'ready') return [];
    const needle = typed.trim().toLowerCase();
    return hosts.value.hosts
      .map((host) => host.mx)
      .filter((mx): mx is string => mx?.toLowerCase().includes(needle) === true)
      .slice(0, MX_SUGGESTIONS);
  }, [hosts, typed]);
  return (
    <>
      <TextFilter
        label="MX host"
        placeholder="mx1.example.com"
        value={current}
        list={listId}
        onType={setTyped}
        onChange={(value) => {
          // The exact host from a link, left as it was, stays exact.
          if (value !== undefined && value === link.mx) return;
          onChange({ mx: undefined, mxSearch: value });
        }}
      />
      <datalist id={listId} data-testid="mx-suggestions">
        {suggestions.map((mx) => (
          <option key={mx} value={mx} />
        ))}
      </datalist>
    </>
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
