import { useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef, useState } from 'react';
import type { FileOutcome } from '../../../shared/import/types.js';
import { useApi } from '../api/useApi.js';
import { useImports } from '../import/ImportProvider.js';
import { formatCount } from '../format.js';

/** Import by dialog, picker or drop, with progress and what happened to each file. */
export function ImportView() {
  const { state, importFiles, chooseAndImport } = useImports();
  const info = useApi('appInfo', {});
  const desktop = info.status === 'ready' && info.value.canChoosePaths;
  const filesInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  return (
    <>
      <h2>Import reports</h2>
      <section className="drop-zone" aria-label="Drop zone" data-testid="drop-zone">
        <p>
          Drop <code>.json</code>, <code>.json.gz</code> and <code>.eml</code> files, or whole folders, anywhere on this
          window.
        </p>
        {desktop ? (
          <p>
            <button type="button" onClick={() => void chooseAndImport('files')} disabled={state?.running}>
              Import files…
            </button>{' '}
            <button type="button" onClick={() => void chooseAndImport('folder')} disabled={state?.running}>
              Import folder…
            </button>
          </p>
        ) : (
          <p>
            <button type="button" onClick={() => filesInput.current?.click()} disabled={state?.running}>
              Choose files…
            </button>{' '}
            <button type="button" onClick={() => folderInput.current?.click()} disabled={state?.running}>
              Choose a folder…
            </button>
            <input
              ref={filesInput}
              type="file"
              multiple
              hidden
              data-testid="file-input"
              onChange={(event) => {
                void importFiles([...(event.currentTarget.files ?? [])]);
                event.currentTarget.value = '';
              }}
            />
            <input
              ref={folderInput}
              type="file"
              hidden
              // Chromium's attribute for choosing a folder; React passes it through as written.
              {...{ webkitdirectory: '' }}
              onChange={(event) => {
                void importFiles([...(event.currentTarget.files ?? [])]);
                event.currentTarget.value = '';
              }}
            />
          </p>
        )}
      </section>
      {state && (
        <section aria-label="Import progress" data-testid="import-progress">
          <progress max={Math.max(state.total, 1)} value={state.done} aria-label="Files done" />
          <p role="status" data-testid="import-totals">
            {state.running ? 'Importing: ' : 'Done: '}
            {formatCount(state.done)} of {formatCount(state.total)} files · {formatCount(state.totals.imported)}{' '}
            imported · {formatCount(state.totals.duplicates)} duplicates · {formatCount(state.totals.rejected)} rejected
            · {formatCount(state.totals.skipped)} skipped
          </p>
          {state.error && (
            <p className="error" role="alert">
              The import stopped: {state.error}
            </p>
          )}
          <OutcomeList outcomes={state.outcomes} />
        </section>
      )}
    </>
  );
}

const LABELS: Record<FileOutcome['status'], string> = {
  imported: 'Imported',
  duplicate: 'Already stored',
  skipped: 'Skipped',
  rejected: 'Rejected',
};

/** Problems first: a rejected or skipped file among thousands imported is what the list is read for. */
const STATUS_ORDER: readonly FileOutcome['status'][] = ['rejected', 'skipped', 'duplicate', 'imported'];

type OutcomeFilter = 'all' | 'problems' | FileOutcome['status'];

const FILTERS: readonly { value: OutcomeFilter; label: string }[] = [
  { value: 'all', label: 'All' },
  { value: 'problems', label: 'Rejected and skipped' },
  { value: 'rejected', label: 'Rejected' },
  { value: 'skipped', label: 'Skipped' },
  { value: 'duplicate', label: 'Already stored' },
  { value: 'imported', label: 'Imported' },
];

/** A line's height before it is measured; a long message wraps and is measured as drawn. */
const ESTIMATED_LINE = 28;
/** Lines drawn beyond each edge of the list's view, for a wheel notch or a key. */
const OVERSCAN = 8;

/**
 * Every file's outcome, problems first, in a virtual list: an import of
 * 100,000 files draws only the few dozen lines in view, and none is left out.
 */
function OutcomeList({ outcomes }: { outcomes: readonly FileOutcome[] }) {
  const [filter, setFilter] = useState<OutcomeFilter>('all');
  // One pass into buckets keeps the order of arrival within a status, and costs O(n) on each progress poll.
  const byStatus = useMemo(() => {
    const buckets: Record<FileOutcome['status'], FileOutcome[]> = {
      rejected: [],
      skipped: [],
      duplicate: [],
      imported: [],
    };
    for (const outcome of outcomes) buckets[outcome.status].push(outcome);
    return buckets;
  }, [outcomes]);
  const shown = useMemo(() => {
    const statuses =
      filter === 'all' ? STATUS_ORDER : filter === 'problems' ? (['rejected', 'skipped'] as const) : [filter];
    return statuses.flatMap((status) => byStatus[status]);
  }, [byStatus, filter]);
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: shown.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ESTIMATED_LINE,
    overscan: OVERSCAN,
  });
  const count = (value: OutcomeFilter): number =>
    value === 'all'
      ? outcomes.length
      : value === 'problems'
        ? byStatus.rejected.length + byStatus.skipped.length
        : byStatus[value].length;
  return (
    <>
      <fieldset className="outcome-filter" data-testid="import-filter">
        <legend>Show</legend>
        {FILTERS.map((option) => (
          <label key={option.value}>
            <input
              type="radio"
              name="outcome-filter"
              value={option.value}
              checked={filter === option.value}
              onChange={() => {
                setFilter(option.value);
                scrollRef.current?.scrollTo({ top: 0 });
              }}
            />{' '}
            {option.label} ({formatCount(count(option.value))})
          </label>
        ))}
      </fieldset>
      {shown.length === 0 ? (
        <p className="muted" data-testid="import-outcomes-empty">
          No file {filter === 'all' ? 'yet' : 'with this outcome'}.
        </p>
      ) : (
        <div
          ref={scrollRef}
          className="outcomes-scroll"
          data-testid="import-outcomes-scroll"
          tabIndex={0}
          role="region"
          aria-label={`File outcomes, ${formatCount(shown.length)}`}
        >
          <ul
            className="outcomes"
            data-testid="import-outcomes"
            style={{ height: virtualizer.getTotalSize(), position: 'relative' }}
          >
            {virtualizer.getVirtualItems().map((item) => {
              const outcome = shown[item.index];
              return outcome === undefined ? null : (
                <OutcomeLine
                  key={item.key}
                  outcome={outcome}
                  index={item.index}
                  start={item.start}
                  measure={virtualizer.measureElement}
                />
              );
            })}
          </ul>
        </div>
      )}
    </>
  );
}

function OutcomeLine({
  outcome,
  index,
  start,
  measure,
}: {
  outcome: FileOutcome;
  index: number;
  start: number;
  measure: (element: Element | null) => void;
}) {
  return (
    <li
      ref={measure}
      data-index={index}
      className={`outcome ${outcome.status}`}
      style={{ position: 'absolute', top: 0, left: 0, right: 0, transform: `translateY(${start}px)` }}
    >
      <strong>{LABELS[outcome.status]}</strong> <span className="mono">{outcome.file}</span>: {outcome.message}
    </li>
  );
}
