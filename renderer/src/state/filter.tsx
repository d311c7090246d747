import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { NavigationType, useLocation, useNavigate, useNavigationType } from 'react-router';
import { asOfProblem } from '../../../shared/health/as-of.js';
import type { ReportFilter } from '../../../shared/summary/types.js';

export type RangePreset = '7' | '30' | '90' | 'all' | 'custom';

export interface FilterState {
  preset: RangePreset;
  /** `YYYY-MM-DD`, for the custom range (both days included). */
  customFrom: string;
  customTo: string;
  domain: string | null;
  /**
   * `YYYY-MM-DD`: the UTC day every view is shown as of (verdicts, findings,
   * since when, "last N days", and no report after it); null for today.
   */
  asOf: string | null;
}

interface FilterContextValue {
  state: FilterState;
  setState: (update: Partial<FilterState>) => void;
  filter: ReportFilter;
  /** What the health methods take (`domains`, `domain`, `findings`): the as-of day, or nothing for today. */
  asOfRequest: { asOf?: string };
  /** Why the URL's `asOf` is not used (malformed, or after today), or null. */
  asOfRefused: string | null;
  /** Bumped after every import, and when another process stored reports, so every view reloads. */
  dataVersion: number;
  dataChanged: () => void;
}

const FilterContext = createContext<FilterContextValue | null>(null);

const DAY = 86_400;

const PRESETS: readonly RangePreset[] = ['7', '30', '90', 'all', 'custom'];
const DEFAULT_STATE: FilterState = { preset: 'all', customFrom: '', customTo: '', domain: null, asOf: null };

/**
 * The filter's keys in the URL, written when they differ from the default
 * (all time, every domain), so that every history entry says its own filter
 * and reload, back, forward and a shared link show what was shown. A link
 * followed without them (every drill-down helper builds one without) keeps
 * the filter of the page it was followed from, and the filter is written
 * into its entry; an entry reached by back, forward or reload without them
 * was made under the default filter, and shows it.
 */
const FILTER_PARAMS = {
  range: 'range',
  from: 'from',
  to: 'to',
  domain: 'policyDomain',
  asOf: 'asOf',
} as const;

/** A view's page number in the URL; a new filter starts every list at its first page. */
export const PAGE_PARAM = 'page';

const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** Why a custom range cannot be shown, or null when it can (an empty bound is open). */
export function customRangeProblem(from: string, to: string): string | null {
  for (const [label, value] of [
    ['From', from],
    ['To', to],
  ] as const) {
    if (value !== '' && (!DAY_PATTERN.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)))) {
      return `${label} is not a date (YYYY-MM-DD): ${value}`;
    }
  }
  if (from !== '' && to !== '' && from > to)
    return `From (${from}) is after To (${to}): choose a From on or before To.`;
  return null;
}

/** The filter a URL names, or null when it names none. A range it cannot show falls back to all time. */
function readFilterParams(params: URLSearchParams): FilterState | null {
  if (!Object.values(FILTER_PARAMS).some((key) => params.has(key))) return null;
  const range = params.get(FILTER_PARAMS.range) ?? 'all';
  const preset = (PRESETS as readonly string[]).includes(range) ? (range as RangePreset) : 'all';
  const customFrom = preset === 'custom' ? (params.get(FILTER_PARAMS.from) ?? '') : '';
  const customTo = preset === 'custom' ? (params.get(FILTER_PARAMS.to) ?? '') : '';
  const named = params.get(FILTER_PARAMS.domain);
  const domain = named === null || named === '' ? null : named;
  const asOf = readAsOf(params);
  if (customRangeProblem(customFrom, customTo) !== null) return { ...DEFAULT_STATE, domain, asOf };
  return { preset, customFrom, customTo, domain, asOf };
}

/** The URL's as-of day when it is one (asOfProblem), else null: today. */
function readAsOf(params: URLSearchParams): string | null {
  const text = params.get(FILTER_PARAMS.asOf);
  return text === null || text === '' || asOfProblem(text) !== null ? null : text;
}

/** Why the URL's `asOf` was refused, in words, or null when there is none or it is used. */
function asOfRefusal(params: URLSearchParams): string | null {
  const text = params.get(FILTER_PARAMS.asOf);
  if (text === null || text === '') return null;
  const problem = asOfProblem(text);
  return problem === null ? null : `As of ${problem}. The views show today.`;
}

/** Writes a filter into URL parameters, leaving the view's own parameters as they are. */
function writeFilterParams(params: URLSearchParams, state: FilterState): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const [key, value] of [
    [FILTER_PARAMS.range, state.preset === DEFAULT_STATE.preset ? '' : state.preset],
    [FILTER_PARAMS.from, state.preset === 'custom' ? state.customFrom : ''],
    [FILTER_PARAMS.to, state.preset === 'custom' ? state.customTo : ''],
    [FILTER_PARAMS.domain, state.domain ?? ''],
    [FILTER_PARAMS.asOf, state.asOf ?? ''],
  ] as const) {
    if (value === '') next.delete(key);
    else next.set(key, value);
  }
  return next;
}

/**
 * The time range and policy domain that every view shows. With an as-of
 * day, "last N days" end on it and no range reaches past it: the view of
 * that day, as it was.
 */
function toReportFilter(state: FilterState, now: number = Date.now() / 1000): ReportFilter {
  const policyDomain = state.domain;
  const asOf = state.asOf === null ? Number.NaN : Date.parse(`${state.asOf}T00:00:00Z`) / 1000;
  const end = Number.isNaN(asOf) ? null : asOf + DAY;
  if (state.preset === 'all') return end === null ? { policyDomain } : { toTime: end, policyDomain };
  if (state.preset === 'custom') {
    const from = Date.parse(`${state.customFrom}T00:00:00Z`);
    const to = Date.parse(`${state.customTo}T00:00:00Z`);
    const toTime = Number.isNaN(to) ? end : to / 1000 + DAY;
    return {
      fromTime: Number.isNaN(from) ? null : from / 1000,
      toTime: end !== null && (toTime === null || toTime > end) ? end : toTime,
      policyDomain,
    };
  }
  const today = end === null ? Math.floor(now / DAY) * DAY : end - DAY;
  return { fromTime: today - (Number(state.preset) - 1) * DAY, toTime: today + DAY, policyDomain };
}

/**
 * Keeps the filter in the URL (the router's location inside the hash). The
 * URL is the truth; the last filter seen is kept for links that carry none.
 */
export function FilterProvider({ children }: { children: ReactNode }) {
  const location = useLocation();
  const navigate = useNavigate();
  const params = useMemo(() => new URLSearchParams(location.search), [location.search]);
  // POP: the first load, a reload, back or forward; PUSH and REPLACE: a link or a view's own change.
  const followedLink = useNavigationType() !== NavigationType.Pop;
  const fromUrl = readFilterParams(params);
  const [last, setLast] = useState<FilterState>(DEFAULT_STATE);
  const state = fromUrl ?? (followedLink ? last : DEFAULT_STATE);
  if (JSON.stringify(state) !== JSON.stringify(last)) setLast(state);
  const carried = fromUrl === null && followedLink && !isDefault(state);
  useEffect(() => {
    // A link without the filter: the same place, with the filter written in, replacing the entry.
    if (carried) {
      void navigate(
        { pathname: location.pathname, search: `?${writeFilterParams(params, last).toString()}` },
        { replace: true, state: location.state as unknown },
      );
    }
  }, [carried, navigate, location.pathname, location.state, params, last]);
  const [dataVersion, setDataVersion] = useState(0);
  const setState = useCallback(
    (update: Partial<FilterState>) => {
      const next = { ...last, ...update };
      const search = writeFilterParams(params, next);
      search.delete(PAGE_PARAM);
      // Back to the default filter (today, all time, every domain): said in the URL, or the entry would read as
      // a link without a filter, which keeps the filter it was followed from.
      if (!Object.values(FILTER_PARAMS).some((param) => search.has(param))) search.set(FILTER_PARAMS.range, 'all');
      void navigate({ pathname: location.pathname, search: `?${search.toString()}` });
    },
    [params, navigate, location.pathname, last],
  );
  const dataChanged = useCallback(() => {
    setDataVersion((version) => version + 1);
  }, []);
  const key = JSON.stringify(state);
  const asOfRefused = asOfRefusal(params);
  const value = useMemo(
    () => ({
      state,
      setState,
      filter: toReportFilter(state),
      asOfRequest: state.asOf === null ? {} : { asOf: state.asOf },
      asOfRefused,
      dataVersion,
      dataChanged,
    }),
    // `key` stands for the state, compared by value.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [key, asOfRefused, setState, dataVersion, dataChanged],
  );
  return <FilterContext.Provider value={value}>{children}</FilterContext.Provider>;
}

function isDefault(state: FilterState): boolean {
  return JSON.stringify(state) === JSON.stringify(DEFAULT_STATE);
}

function useFilterContext(): FilterContextValue {
  const context = useContext(FilterContext);
  if (!context) throw new Error('FilterProvider is missing');
  return context;
}

export function useFilter(): Pick<FilterContextValue, 'state' | 'setState' | 'filter' | 'asOfRequest' | 'asOfRefused'> {
  return useFilterContext();
}

export function useDataVersion(): number {
  return useFilterContext().dataVersion;
}

export function useDataChanged(): () => void {
  return useFilterContext().dataChanged;
}
