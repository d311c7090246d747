import type { ChangeEvent } from 'react';
import { useApi } from '../api/useApi.js';
import { useFilter, type RangePreset } from '../state/filter.js';

const PRESETS: { value: RangePreset; label: string }[] = [
  { value: '7', label: 'Last 7 days' },
  { value: '30', label: 'Last 30 days' },
  { value: '90', label: 'Last 90 days' },
  { value: 'all', label: 'All time' },
  { value: 'custom', label: 'Custom…' },
];

/** The time range and policy domain shared by every view. */
export function FilterBar() {
  const { state, setState } = useFilter();
  const options = useApi('filterOptions', {});
  const domains = options.status === 'ready' ? options.value.domains : [];
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
              value={state.customFrom}
              onChange={(event) => setState({ customFrom: event.target.value })}
            />
          </label>
          <label>
            To{' '}
            <input
              type="date"
              value={state.customTo}
              onChange={(event) => setState({ customTo: event.target.value })}
            />
          </label>
        </>
      )}
      <label>
        Policy domain{' '}
        <select
          value={state.domain ?? ''}
          onChange={(event) => setState({ domain: event.target.value === '' ? null : event.target.value })}
        >
          <option value="">All domains</option>
          {domains.map((domain) => (
            <option key={domain} value={domain}>
              {domain}
            </option>
          ))}
        </select>
      </label>
    </form>
  );
}
