import { describe, expect, it } from 'vitest';
import { assessDomain, type DomainEvidence } from '../../shared/health/assess-domain.js';
import type { HealthFinding } from '../../shared/health/findings.js';

// Findings whose cause may be the MTA-STS policy carry what the policy linter
// says about the policy senders quoted: pure evidence in, findings out.
const asOfDay = Date.parse('2026-06-30T00:00:00Z') / 86_400_000;
const dayBefore = (offset: number): string => new Date((asOfDay - offset) * 86_400_000).toISOString().slice(0, 10);

const policy = (mode: string, ...mx: string[]): string[] => [
  'version: STSv1',
  `mode: ${mode}`,
  ...mx.map((pattern) => `mx: ${pattern}`),
  'max_age: 604800',
];

/**
 * example.com, reported daily for 35 days with 1,000 sessions; `mx` failing
 * `resultType` 20 sessions a day on the last 4, under the quoted policies.
 */
function evidence(
  resultType: string,
  mx: string | null,
  stsPolicies: DomainEvidence['stsPolicies'],
  overrides: Partial<DomainEvidence> = {},
): DomainEvidence {
  const days = Array.from({ length: 35 }, (_, index) => asOfDay - 35 + index);
  const failing = days.slice(-4);
  return {
    domain: 'example.com',
    firstReportDay: days[0] ?? null,
    lastReportDay: days.at(-1) ?? null,
    days: days.map((day) => ({
      day,
      successful: failing.includes(day) ? 980 : 1000,
      failed: failing.includes(day) ? 20 : 0,
      failedWithoutDetails: 0,
    })),
    senders: [{ organization: 'Google Inc.', lastDay: asOfDay - 1, baselineDays: null, firstDay: null }],
    failures: failing.map((day) => ({ mx, resultType, day, failed: 20 })),
    resultTypeFirstDays: [{ resultType, firstDay: failing[0] ?? asOfDay }],
    mxRunStarts: [{ mx, firstDay: failing[0] ?? asOfDay }],
    stsMode: 'enforce',
    dane: false,
    policyTypes: ['sts'],
    stsPolicies,
    ...overrides,
  };
}

const quotedAllAlong = (strings: string[]): DomainEvidence['stsPolicies'] => [
  { policyStrings: strings, firstDay: asOfDay - 35, lastDay: asOfDay - 1, reports: 35, failedSessions: 80 },
];

function mxFailing(input: DomainEvidence): HealthFinding {
  const found = assessDomain(input, asOfDay).findings.find((finding) => finding.code === 'mx-failing');
  if (!found) throw new Error('no mx-failing finding');
  return found;
}

describe('findings linked to the policy linter', () => {
  it('say that the policy is the cause where its mx lines do not cover the failing host', () => {
    const finding = mxFailing(
      evidence(
        'certificate-host-mismatch',
        'mx3.example.com',
        quotedAllAlong(policy('enforce', 'mx1.example.com', 'mx2.example.com')),
      ),
    );
    expect(finding).toMatchObject({
      severity: 'error',
      mx: 'mx3.example.com',
      firstSeen: dayBefore(4),
      lastSeen: dayBefore(1),
      failedSessions: 80,
    });
    expect(finding.policyLint).toEqual({
      policyStrings: policy('enforce', 'mx1.example.com', 'mx2.example.com'),
      quotedFrom: dayBefore(35),
      quotedTo: dayBefore(1),
      mxPatterns: ['mx1.example.com', 'mx2.example.com'],
      mxCovered: false,
      lint: [
        {
          severity: 'error',
          code: 'policy-mx-uncovered',
          message: 'MX host mx3.example.com is not covered by any mx pattern: MTA-STS senders will not deliver to it',
          rfc: 'RFC 8461 §4.1',
          fix: 'add "mx: mx3.example.com"',
        },
      ],
    });
    expect(finding.message).toContain(
      'mx3.example.com does not match the mx lines of the MTA-STS policy senders quoted (mx: mx1.example.com, mx: mx2.example.com',
    );
    expect(finding.message).toContain('the policy is the cause');
    expect(finding.fix).toMatch(/^Add "mx: mx3\.example\.com" to the policy file at https:\/\/mta-sts\.example\.com\//);
  });

  it('say that the policy is not the cause where its mx lines cover the host, and keep the certificate fix', () => {
    const finding = mxFailing(
      evidence('certificate-host-mismatch', 'mx1.example.com', quotedAllAlong(policy('enforce', '*.example.com'))),
    );
    expect(finding.policyLint).toMatchObject({ mxPatterns: ['*.example.com'], mxCovered: true, lint: [] });
    expect(finding.message).toContain(
      'mx1.example.com matches the mx lines of the MTA-STS policy senders quoted (mx: *.example.com), so the policy is not the cause.',
    );
    expect(finding.fix).toMatch(/^Get a certificate whose subjectAltName covers every MX host name/);
  });

  it('judge the host against the policy senders had quoted by the failures, not one first quoted after', () => {
    const finding = mxFailing(
      evidence('sts-webpki-invalid', 'mx3.example.com', [
        {
          policyStrings: policy('enforce', '*.example.com'),
          firstDay: asOfDay - 35,
          lastDay: asOfDay - 1,
          reports: 30,
          failedSessions: 80,
        },
        // A corrected policy, first quoted today: after the failures.
        {
          policyStrings: policy('enforce', 'mx1.example.com'),
          firstDay: asOfDay,
          lastDay: asOfDay,
          reports: 1,
          failedSessions: 0,
        },
      ]),
    );
    expect(finding.policyLint).toMatchObject({
      policyStrings: policy('enforce', '*.example.com'),
      quotedTo: dayBefore(1),
      mxCovered: true,
    });
  });

  it('say that no policy text was quoted for a fetch error when none was', () => {
    const finding = mxFailing(evidence('sts-policy-fetch-error', 'mx1.example.com', []));
    expect(finding.policyLint).toEqual({
      policyStrings: null,
      quotedFrom: null,
      quotedTo: null,
      mxPatterns: null,
      mxCovered: null,
      lint: [],
    });
    expect(finding.message).toContain(
      `No sender had quoted the policy text in its reports by ${dayBefore(1)} (in the 35 days looked at;`,
    );
    expect(finding.fix).toMatch(/^Serve the policy at that URL with status 200/);
  });

  it('carry the linter’s errors on an invalid quoted policy, in the finding and in words', () => {
    const finding = mxFailing(
      evidence('sts-policy-invalid', 'mx1.example.com', quotedAllAlong(policy('enforced', '*.example.com'))),
    );
    expect(finding.policyLint).toMatchObject({ mxPatterns: null, mxCovered: null });
    expect(finding.policyLint?.lint.map((lint) => [lint.severity, lint.code])).toEqual([
      ['error', 'policy-mode-invalid'],
    ]);
    expect(finding.message).toContain(
      `The MTA-STS policy senders quoted (last on ${dayBefore(1)}) does not pass the linter: mode "enforced" is not enforce, testing or none.`,
    );
    expect(finding.fix).toContain('mode: testing');
  });

  it('point a fetch error at how the policy is served when the quoted text passes the linter', () => {
    const finding = mxFailing(
      evidence('sts-policy-fetch-error', 'mx1.example.com', quotedAllAlong(policy('enforce', '*.example.com'))),
    );
    expect(finding.policyLint).toMatchObject({ mxCovered: true, lint: [] });
    expect(finding.message).toContain('passes the linter, so the fault is in how it is served');
  });

  it('carry the link on a new result type too, and nothing for a type the policy does not cause', () => {
    const input = evidence(
      'certificate-host-mismatch',
      'mx3.example.com',
      quotedAllAlong(policy('enforce', 'mx1.example.com')),
    );
    const newType = assessDomain(input, asOfDay).findings.find((finding) => finding.code === 'failure-type-new');
    expect(newType?.policyLint).toMatchObject({ mxCovered: false });
    expect(newType?.fix).toContain('Add "mx: mx3.example.com"');
    const expired = assessDomain(evidence('certificate-expired', 'mx3.example.com', []), asOfDay).findings;
    expect(expired.map((finding) => [finding.code, finding.policyLint])).toEqual([
      ['mx-failing', null],
      ['failure-type-new', null],
    ]);
    // A DANE-only domain: a validation failure says nothing about MTA-STS mx lines.
    const dane = mxFailing(
      evidence('validation-failure', 'mx3.example.com', [], { policyTypes: ['tlsa'], dane: true, stsMode: null }),
    );
    expect(dane.policyLint).toBeNull();
  });
});
