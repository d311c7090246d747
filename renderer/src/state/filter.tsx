import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import type { ReportFilter } from '../../../shared/summary/types.js';

export type RangePreset = '7' | '30' | '90' | 'all' | 'custom';

export interface FilterState {
  preset: RangePreset;
  /** `YYYY-MM-DD`, for the custom range (both days included). */
  customFrom: string;
  customTo: string;
  domain: string | null;
}

interface FilterContextValue {
  state: FilterState;
  setState: (update: Partial<FilterState>) => void;
  filter: ReportFilter;
  /** Bumped after every import, so every view reloads. */
  dataVersion: number;
  dataChanged: () => void;
}

const FilterContext = createContext<FilterContextValue | null>(null);

const DAY = 86_400;

/** The time range and policy domain that every view shows. */
export function toReportFilter(state: FilterState, now: number = Date.now() / 1000): ReportFilter {
  const policyDomain = state.domain;
  if (state.preset === 'all') return { policyDomain };
  if (state.preset === 'custom') {
    const from = Date.parse(`${state.customFrom}T00:00:00Z`);
    const to = Date.parse(`${state.customTo}T00:00:00Z`);
    return {
      fromTime: Number.isNaN(from) ? null : from / 1000,
      toTime: Number.isNaN(to) ? null : to / 1000 + DAY,
      policyDomain,
    };
  }
  const today = Math.floor(now / DAY) * DAY;
  return { fromTime: today - (Number(state.preset) - 1) * DAY, toTime: today + DAY, policyDomain };
}

export function FilterProvider({ children }: { children: ReactNode }) {
  const [state, setFullState] = useState<FilterState>({ preset: 'all', customFrom: '', customTo: '', domain: null });
  const [dataVersion, setDataVersion] = useState(0);
  const setState = useCallback((update: Partial<FilterState>) => {
    setFullState((previous) => ({ ...previous, ...update }));
  }, []);
  const dataChanged = useCallback(() => {
    setDataVersion((version) => version + 1);
  }, []);
  const value = useMemo(
    () => ({ state, setState, filter: toReportFilter(state), dataVersion, dataChanged }),
    [state, setState, dataVersion, dataChanged],
  );
  return <FilterContext.Provider value={value}>{children}</FilterContext.Provider>;
}

function useFilterContext(): FilterContextValue {
  const context = useContext(FilterContext);
  if (!context) throw new Error('FilterProvider is missing');
  return context;
}

export function useFilter(): Pick<FilterContextValue, 'state' | 'setState' | 'filter'> {
  return useFilterContext();
}

export function useDataVersion(): number {
  return useFilterContext().dataVersion;
}

export function useDataChanged(): () => void {
  return useFilterContext().dataChanged;
}
