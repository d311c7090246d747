import { describe, expect, it } from 'vitest';
import { mxMatchesAny } from '../../shared/policy/mx-pattern.js';
import { policyTable } from './tables.js';

interface MxCase {
  source: string;
  mx: string;
  patterns: string[];
  match: boolean;
  note: string;
}

/** Rows where a source project departs from RFC 8461 §4.1, and what the RFC says instead. */
const RFC_READINGS: Record<string, string> = {
  'mimecast.net *.mimecast.com':
    'RFC 8461 §4.1: matching does not depend on the mode; mimecast matches any host in testing mode, we do not',
};

describe('MX pattern matching (RFC 8461 §4.1) on the corpus table', () => {
  const rows = policyTable<MxCase>('mx-pattern-matching.jsonl');
  it.each(rows.map((row) => [`${row.mx} vs ${row.patterns.join(', ')} (${row.source})`, row] as const))(
    '%s',
    (_name, row) => {
      const reading = RFC_READINGS[`${row.mx} ${row.patterns.join(' ')}`];
      const expected = reading !== undefined && row.note.includes('ANY host') ? !row.match : row.match;
      expect(mxMatchesAny(row.mx, row.patterns)).toBe(expected);
    },
  );
});
