import { createColumnHelper } from '@tanstack/react-table';
import { useId, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import { Link } from 'react-router';
import { MISSING_RESULT_TYPE, type MxBreakdown, type MxHostFailures } from '../../../shared/summary/types.js';
import { formatCount, orUnnamed } from '../format.js';
import { ExplainButtonOnly, ResultTypeName } from './ResultTypeName.js';

/** `certificate-expired 200, starttls-not-supported 3`: most failures first. */
function formatResultTypeCounts(byResultType: Record<string, number>): string {
  return sortedResultTypes(byResultType)
    .map(([type, count]) => `${type} ${formatCount(count)}`)
    .join(', ');
}

function sortedResultTypes(byResultType: Record<string, number>): [string, number][] {
  return Object.entries(byResultType).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/**
 * A colour per result type, the same in every bar: the RFC 8460 §4.3 types
 * get hues far apart, in the order of how often they occur in the corpus
 * (the first two of most hosts' failures differ most); other values take a
 * hue from their name. The lightness is the theme's (--type-lightness).
 */
const TYPE_HUES: Record<string, number> = {
  'starttls-not-supported': 210,
  'certificate-expired': 0,
  'certificate-host-mismatch': 35,
  'validation-failure': 280,
  'sts-policy-fetch-error': 150,
  'certificate-not-trusted': 320,
  'sts-policy-invalid': 90,
  'sts-webpki-invalid': 180,
  'tlsa-invalid': 60,
  'dnssec-invalid': 250,
  'dane-required': 15,
};

function resultTypeColor(type: string): string {
  let hue = TYPE_HUES[type];
  if (hue === undefined) {
    hue = 0;
    for (const char of type) hue = (hue * 31 + (char.codePointAt(0) ?? 0)) % 360;
  }
  return type === MISSING_RESULT_TYPE ? 'var(--muted)' : `hsl(${hue} 62% var(--type-lightness))`;
}

/** Where a host's failures of one result type are listed; null result type: those that named none. */
export type FailuresOfType = (mx: string | null, resultType: string | null) => string;

/** Clicks and keys on a link inside an openable row are the link's, not the row's. */
const keepToLink = {
  onClick: (event: MouseEvent) => {
    event.stopPropagation();
  },
  onKeyDown: (event: KeyboardEvent) => {
    event.stopPropagation();
  },
};

/**
 * A host's failures as one bar, a segment per result type as wide as its
 * share, most first; each segment opens those failures and says its type
 * and count (title, and to a screen reader its name). In place of a line of
 * `type count, type count, …` that grew as wide as the page.
 *
 * Beside the bar, the largest type with its explanation, and a `+N`
 * disclosure button that unfolds the other types under the bar, each with
 * its colour, count, a link to its failures and its explanation: a segment
 * a few pixels wide has no room for a button, and every type shown must
 * reach its explanation by keyboard. Folded by default, so that a table of
 * hosts keeps a line a host at 1024 px; Escape folds it again and gives the
 * focus back to the button.
 */
function ResultTypeBar({
  mx,
  byResultType,
  failuresOf,
}: {
  mx: string | null;
  byResultType: Record<string, number>;
  failuresOf: FailuresOfType;
}) {
  const [open, setOpen] = useState(false);
  const listId = useId();
  const toggle = useRef<HTMLButtonElement>(null);
  const types = sortedResultTypes(byResultType);
  const total = types.reduce((sum, [, count]) => sum + count, 0);
  if (total === 0) return null;
  const [top, ...others] = types;
  const otherNames = others.map(([type]) => type).join(', ');
  const linkOf = (type: string): string => failuresOf(mx, type === MISSING_RESULT_TYPE ? null : type);
  return (
    <span className="type-bar-cell">
      <span className="type-bar" data-testid="result-type-bar">
        {types.map(([type, count]) => (
          <Link
            key={type}
            to={linkOf(type)}
            className="type-segment"
            style={{ flexGrow: count, background: resultTypeColor(type) }}
            title={`${type}: ${formatCount(count)} failed sessions`}
            aria-label={`${type}: ${formatCount(count)} failed sessions`}
            {...keepToLink}
          />
        ))}
      </span>
      {top && (
        // Its buttons are pressed for themselves, not for the row they sit in.
        <span className="type-bar-label" {...keepToLink}>
          <ResultTypeName type={top[0]} />
          {others.length > 0 && (
            <button
              ref={toggle}
              type="button"
              className="more-types"
              aria-expanded={open}
              aria-controls={listId}
              aria-label={`+${others.length} more result ${others.length === 1 ? 'type' : 'types'}: ${otherNames}`}
              title={otherNames}
              data-testid="more-result-types"
              onClick={() => setOpen(!open)}
            >
              +{others.length}
            </button>
          )}
        </span>
      )}
      {open && others.length > 0 && (
        <ul
          id={listId}
          className="type-list"
          data-testid="other-result-types"
          onClick={keepToLink.onClick}
          onKeyDown={(event) => {
            keepToLink.onKeyDown(event);
            // An open explanation takes its own Escape first (ResultTypeName stops it there).
            if (event.key !== 'Escape') return;
            setOpen(false);
            toggle.current?.focus();
          }}
        >
          {others.map(([type, count]) => (
            <li key={type}>
              <span className="type-swatch" aria-hidden="true" style={{ background: resultTypeColor(type) }} />
              <Link to={linkOf(type)}>{type}</Link> <span className="muted">{formatCount(count)}</span>
              <ExplainButtonOnly type={type} />
            </li>
          ))}
        </ul>
      )}
    </span>
  );
}

/**
 * The first columns of every table that lists MX hosts: host, failed
 * sessions, result types (a bar whose segments open those failures).
 */
export function mxBreakdownColumns<Row extends MxBreakdown>(failuresOf: FailuresOfType) {
  const column = createColumnHelper<Row>();
  return [
    column.accessor((row) => orUnnamed(row.mx), { id: 'mx', header: 'MX host' }),
    column.accessor((row) => row.failedSessions, {
      id: 'failedSessions',
      header: 'Failed',
      cell: (cell) => formatCount(cell.getValue()),
      meta: { numeric: true },
    }),
    column.accessor((row) => formatResultTypeCounts(row.byResultType), {
      id: 'types',
      header: 'Result types',
      cell: (cell) => (
        <ResultTypeBar
          mx={cell.row.original.mx}
          byResultType={cell.row.original.byResultType}
          failuresOf={failuresOf}
        />
      ),
    }),
  ];
}

/** Since when a host failed, and until when, in the range shown (UTC days). */
export function mxSinceColumns<Row extends MxHostFailures>() {
  const column = createColumnHelper<Row>();
  return [
    column.accessor((row) => row.firstSeen, {
      id: 'firstSeen',
      header: 'First failed',
      cell: (cell) => <DateText date={cell.getValue()} />,
    }),
    column.accessor((row) => row.lastSeen, {
      id: 'lastSeen',
      header: 'Last failed',
      cell: (cell) => <DateText date={cell.getValue()} />,
    }),
  ];
}

/** A `YYYY-MM-DD` date, never broken across lines. */
export function DateText({ date }: { date: string }) {
  return <span className="nowrap">{date}</span>;
}
