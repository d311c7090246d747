import { describe, expect, it } from 'vitest';
import { compareFindings, findingKey, overallStatus, type HealthFinding } from '../../shared/health/findings.js';

function finding(overrides: Partial<HealthFinding>): HealthFinding {
  return {
    severity: 'warning',
    code: 'mx-failing',
    domain: 'example.com',
    mx: 'mx1.example.com',
    organization: null,
    resultType: 'certificate-expired',
    firstSeen: '2026-06-01',
    lastSeen: '2026-06-02',
    failedSessions: 5,
    message: 'm',
    fix: 'f',
    policyLint: null,
    ...overrides,
  };
}

describe('findings', () => {
  it('report the worst severity as the status, ok when nothing is worse than info', () => {
    expect(overallStatus([])).toBe('ok');
    expect(overallStatus([finding({ severity: 'info' })])).toBe('ok');
    expect(overallStatus([finding({ severity: 'info' }), finding({ severity: 'warning' })])).toBe('warning');
    expect(overallStatus([finding({ severity: 'error' }), finding({ severity: 'warning' })])).toBe('error');
  });

  it('sort worst first, then by domain and code', () => {
    const sorted = [
      finding({ severity: 'info', domain: 'a.example' }),
      finding({ severity: 'error', domain: 'z.example' }),
      finding({ severity: 'warning', domain: 'b.example', code: 'failure-spike' }),
      finding({ severity: 'warning', domain: 'b.example', code: 'mx-failing' }),
    ].sort(compareFindings);
    expect(sorted.map((entry) => [entry.severity, entry.domain, entry.code])).toEqual([
      ['error', 'z.example', 'mx-failing'],
      ['warning', 'b.example', 'mx-failing'],
      ['warning', 'b.example', 'failure-spike'],
      ['info', 'a.example', 'mx-failing'],
    ]);
  });

  it('keep their key while dates and counts move, and change it for another host', () => {
    const known = finding({ severity: 'error' });
    const later = finding({ severity: 'error', lastSeen: '2026-06-09', failedSessions: 50 });
    const otherHost = finding({ severity: 'error', mx: 'mx2.example.com' });
    expect(findingKey(later)).toBe(findingKey(known));
    expect(findingKey(otherHost)).not.toBe(findingKey(known));
  });
});
