import { describe, expect, it } from 'vitest';
import { explainResultType, glossaryEntries } from '../../shared/glossary/result-types.js';
import { RESULT_TYPES } from '../../shared/report/vocabulary.js';
import { MISSING_RESULT_TYPE, NO_FAILURE_DETAILS } from '../../shared/summary/types.js';

describe('the result type glossary', () => {
  it('explains every RFC 8460 §4.3 result type in words, with causes, a check and a fix', () => {
    for (const type of RESULT_TYPES) {
      const entry = explainResultType(type);
      expect(entry.source, type).toMatch(/^RFC 8460 §4\.3/);
      expect(entry.meaning.length, type).toBeGreaterThan(30);
      expect(entry.causes.length, type).toBeGreaterThan(0);
      expect(entry.check.length, type).toBeGreaterThan(10);
      expect(entry.fix.length, type).toBeGreaterThan(10);
    }
    expect(glossaryEntries().map((entry) => entry.resultType)).toEqual(
      expect.arrayContaining([...RESULT_TYPES, 'Testing', MISSING_RESULT_TYPE, NO_FAILURE_DETAILS]),
    );
  });

  it('says which live MX check confirms each TLS and DANE failure', () => {
    const live = RESULT_TYPES.filter((type) => explainResultType(type).liveCheck !== undefined);
    expect(live).toEqual([
      'starttls-not-supported',
      'certificate-host-mismatch',
      'certificate-expired',
      'certificate-not-trusted',
      'validation-failure',
      'tlsa-invalid',
      'dnssec-invalid',
      'dane-required',
    ]);
    for (const type of live) {
      const check = explainResultType(type).liveCheck;
      expect(check?.codes.length, type).toBeGreaterThan(0);
      for (const code of check?.codes ?? [])
        expect(check?.text, type).toContain(code.replace(/^mx-dnssec-unknown$/, 'unknown'));
    }
  });

  it('links the policy-caused types to the linter', () => {
    const policyCaused = RESULT_TYPES.filter((type) => explainResultType(type).policyCause);
    expect(policyCaused).toEqual([
      'certificate-host-mismatch',
      'sts-policy-fetch-error',
      'sts-policy-invalid',
      'sts-webpki-invalid',
    ]);
  });

  it('answers a value no RFC defines with what the sender wrote, kept as text', () => {
    const entry = explainResultType('<b>odd-type</b>');
    expect(entry.source).toBe('not in RFC 8460');
    expect(entry.meaning).toContain('"<b>odd-type</b>"');
    // The non-standard value seen in the corpus has its own entry.
    expect(explainResultType('Testing').meaning).toMatch(/test reports/);
  });
});
