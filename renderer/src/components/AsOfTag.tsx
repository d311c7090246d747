import { useFilter } from '../state/filter.js';

/**
 * Beside a view's heading: the day the view is shown as of, when it is not
 * today, so that a screen (or a screenshot of it) says which day it tells.
 */
export function AsOfTag() {
  const { state } = useFilter();
  if (state.asOf === null) return null;
  return (
    <span className="as-of-tag" data-testid="as-of-tag">
      {' '}
      as of {state.asOf}
    </span>
  );
}
