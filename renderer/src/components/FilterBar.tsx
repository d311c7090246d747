import { useState, type ChangeEvent } from 'react';
import { useApi } from '../api/useApi.js';
import { asOfProblem, todayUtcDay } from '../../../shared/health/as-of.js';
import { dateOfDay } from '../../../shared/report/datetime.js';
import { customRangeProblem, useFilter, type RangePreset } from '../state/filter.js';

const PRESETS: { value: RangePreset; label: string }[] = [
  { value: '7', label: 'Last 7 days' },
  { value: '30', label: 'Last 30 days' },
  { value: '90', label: 'Last 90 days' },
  { value: 'all', label: 'All time' },
  { value: 'custom', label: 'Custom…' },
];

/**
 * The time range and policy domain shared by every view. A custom range is
 * applied only when it is one: From after To is refused with a message, and
 * the views keep showing the last range that was.
 */
export function FilterBar() {
  const { state, setState, asOfRefused } = useFilter();
  const options = useApi('filterOptions', {});
  const domains = options.status === 'ready' ? options.value.domains : [];
  const lastReportTime = options.status === 'ready' ? options.value.lastReportTime : null;
  // What is typed, until it is a range; the URL's range when another link or Back changes it.
  const [draft, setDraft] = useState({ from: state.customFrom, to: state.customTo });
  const [applied, setApplied] = useState({ from: state.customFrom, to: state.customTo });
  if (applied.from !== state.customFrom || applied.to !== state.customTo) {
    setApplied({ from: state.customFrom, to: state.customTo });
    setDraft({ from: state.customFrom, to: state.customTo });
  }
  const problem = customRangeProblem(draft.from, draft.to);
  const change = (update: Partial<typeof draft>): void => {
    const next = { ...draft, ...update };
    setDraft(next);
    if (customRangeProblem(next.from, next.to) === null) setState({ customFrom: next.from, customTo: next.to });
  };
  // A chosen domain the stored reports no longer name (a shared link) stays selectable.
  const domainChoices = state.domain !== null && !domains.includes(state.domain) ? [state.domain, ...domains] : domains;
  return (
    <form className="filter-bar" aria-label="Filter" onSubmit={(event) => event.preventDefault()}>
      <label>
        Time range{' '}
        <select
          value={state.preset}
          onChange={(event: ChangeEvent<HTMLSelectElement>) => setState({ preset: event.target.value as RangePreset })}
        >
          {PRESETS.map((preset) => (
            <option key={preset.value} value={preset.value}>
              {preset.label}
            </option>
          ))}
        </select>
      </label>
      {state.preset === 'custom' && (
        <>
          <label>
            From{' '}
            <input
              type="date"
              value={draft.from}
              max={draft.to || undefined}
              aria-invalid={problem !== null}
              onChange={(event) => change({ from: event.target.value })}
            />
          </label>
          <label>
            To{' '}
            <input
              type="date"
              value={draft.to}
              min={draft.from || undefined}
              aria-invalid={problem !== null}
              onChange={(event) => change({ to: event.target.value })}
            />
          </label>
          {problem !== null && (
            <span className="error" role="alert" data-testid="range-problem">
              {problem} The views show the range before.
            </span>
          )}
        </>
      )}
      <AsOfField
        asOf={state.asOf}
        lastReport={lastReportTime === null ? null : dateOfDay(Math.floor(lastReportTime / 86_400))}
        refused={asOfRefused}
        onChange={(asOf) => setState({ asOf })}
      />
      <label>
        Policy domain{' '}
        <select
          value={state.domain ?? ''}
          onChange={(event) => setState({ domain: event.target.value === '' ? null : event.target.value })}
        >
          <option value="">All domains</option>
          {domainChoices.map((domain) => (
            <option key={domain} value={domain}>
              {domain}
            </option>
          ))}
        </select>
      </label>
    </form>
  );
}

/**
 * The day every view is shown as of: today (UTC) unless one is chosen, with
 * a shortcut to the day of the newest report. A date typed that cannot be
 * one (after today) is refused with the reason and not applied; so is one
 * in the URL.
 */
function AsOfField({
  asOf,
  lastReport,
  refused,
  onChange,
}: {
  asOf: string | null;
  lastReport: string | null;
  refused: string | null;
  onChange: (asOf: string | null) => void;
}) {
  const today = dateOfDay(todayUtcDay());
  const [draft, setDraft] = useState(asOf ?? '');
  const [applied, setApplied] = useState(asOf);
  if (applied !== asOf) {
    setApplied(asOf);
    setDraft(asOf ?? '');
  }
  const typed = draft === '' ? null : asOfProblem(draft);
  const problem = typed === null ? refused : `As of ${typed}.`;
  return (
    <>
      <label>
        As of{' '}
        <input
          type="date"
          value={draft}
          max={today}
          aria-invalid={problem !== null}
          aria-describedby={problem === null ? undefined : 'as-of-problem'}
          data-testid="as-of"
          onChange={(event) => {
            const next = event.target.value;
            setDraft(next);
            if (next === '') onChange(null);
            else if (asOfProblem(next) === null) onChange(next === today ? null : next);
          }}
        />
      </label>
      {lastReport !== null && lastReport !== (asOf ?? today) && (
        <button type="button" data-testid="as-of-last-report" onClick={() => onChange(lastReport)}>
          Last report ({lastReport})
        </button>
      )}
      {asOf !== null && (
        <button type="button" data-testid="as-of-today" onClick={() => onChange(null)}>
          Today
        </button>
      )}
      {problem !== null && (
        <span className="error" role="alert" id="as-of-problem" data-testid="as-of-problem">
          {problem}
        </span>
      )}
    </>
  );
}
