import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApiHandlers } from '../../electron/backend/api/handlers.js';
import { dispatch } from '../../electron/backend/api/dispatch.js';
import { openDatabase, type WritableDatabase } from '../../electron/backend/db/database.js';
import { DomainHealthService, dayOfDate } from '../../electron/backend/health/domain-health.js';
import type { ApiResponse, ApiResult } from '../../shared/api/contract.js';
import type { DomainHealth } from '../../shared/health/assess-domain.js';
import type { HealthFinding } from '../../shared/health/findings.js';
import { useTempDir } from '../helpers/files.js';
import { AS_OF, SENDERS, storeHealthScenario } from '../helpers/health-scenario.js';
import { failureDetail, policyEntry, reportJson } from '../helpers/reports.js';
import { storeReportDocuments } from '../helpers/store.js';

// The scenario and its known events: test/helpers/health-scenario.ts.
const tempDir = useTempDir();
const asOfDay = dayOfDate(AS_OF);
let db: WritableDatabase;

beforeAll(() => {
  db = openDatabase(join(tempDir(), 'health.sqlite'));
  storeHealthScenario(db);
});

function healthOf(domain: string): DomainHealth {
  const found = new DomainHealthService(db).domain(asOfDay, domain);
  if (!found) throw new Error(domain);
  return found;
}

/** A finding's evidence, without the words. */
function evidence(finding: HealthFinding): Omit<HealthFinding, 'message' | 'fix'> {
  return Object.fromEntries(Object.entries(finding).filter(([key]) => key !== 'message' && key !== 'fix')) as Omit<
    HealthFinding,
    'message' | 'fix'
  >;
}

describe('domain health as of a day', () => {
  it('calls a clean domain healthy and raises nothing above info for it', () => {
    const health = healthOf('healthy.example');
    expect(health.verdict).toBe('healthy');
    expect(health.findings.filter((finding) => finding.severity !== 'info')).toEqual([]);
    expect(health).toMatchObject({
      recentFrom: '2026-06-24',
      recentTo: AS_OF,
      recentSenders: 2,
      lastReport: '2026-06-29',
      stsMode: 'enforce',
      failingMxHosts: [],
      trend: 'steady',
    });
    // The daily line keeps the day without reports (today) as a gap.
    expect(health.daily.at(-1)).toEqual({ day: AS_OF, failureRate: null });
    expect(health.daily.at(-2)).toEqual({ day: '2026-06-29', failureRate: 0 });
  });

  it('finds the MX host that started failing, since when, and calls the domain failing under enforce', () => {
    const health = healthOf('brokenmx.example');
    expect(health.verdict).toBe('failing');
    expect(health.reason).toBe('mx2.brokenmx.example fails with certificate-expired since 2026-06-26.');
    expect(health.failingMxHosts).toEqual(['mx2.brokenmx.example']);
    expect(health.trend).toBe('rising');
    expect(health.findings.map(evidence)).toEqual([
      {
        severity: 'error',
        code: 'mx-failing',
        domain: 'brokenmx.example',
        mx: 'mx2.brokenmx.example',
        organization: null,
        resultType: 'certificate-expired',
        firstSeen: '2026-06-26',
        lastSeen: '2026-06-29',
        failedSessions: 240,
      },
      {
        severity: 'warning',
        code: 'failure-type-new',
        domain: 'brokenmx.example',
        mx: 'mx2.brokenmx.example',
        organization: null,
        resultType: 'certificate-expired',
        firstSeen: '2026-06-26',
        lastSeen: '2026-06-29',
        failedSessions: 240,
      },
      {
        severity: 'warning',
        code: 'failure-spike',
        domain: 'brokenmx.example',
        mx: null,
        organization: null,
        resultType: null,
        firstSeen: '2026-06-26',
        lastSeen: '2026-06-29',
        failedSessions: 240,
      },
    ]);
    const [mxFailing] = health.findings;
    expect(mxFailing?.message).toMatch(/mx2\.brokenmx\.example failed 240 sessions on 4 of the last 7 days/);
    expect(mxFailing?.message).toMatch(/certificate has expired/);
    expect(mxFailing?.fix).toMatch(/Renew the certificate/);
  });

  it('finds a sender that stopped reporting, with the day of its last report', () => {
    const health = healthOf('sendergone.example');
    expect(health.verdict).toBe('degraded');
    expect(health.findings.map(evidence)).toEqual([
      {
        severity: 'warning',
        code: 'sender-silent',
        domain: 'sendergone.example',
        mx: null,
        organization: 'Microsoft Corporation',
        resultType: null,
        firstSeen: '2026-05-27',
        lastSeen: '2026-06-20',
        failedSessions: null,
      },
      // In testing mode and clean all the same.
      expect.objectContaining({ severity: 'info', code: 'policy-testing-clean' }),
    ]);
  });

  it('calls a domain without reports for days silent, with its last report', () => {
    const health = healthOf('silent.example');
    expect(health.verdict).toBe('silent');
    expect(health.reason).toBe('No report since 2026-06-24.');
    expect(health.findings.map(evidence)).toEqual([
      {
        severity: 'warning',
        code: 'domain-silent',
        domain: 'silent.example',
        mx: null,
        organization: null,
        resultType: null,
        firstSeen: '2026-05-01',
        lastSeen: '2026-06-24',
        failedSessions: null,
      },
    ]);
    expect(health.findings[0]?.message).toMatch(/since 2026-06-24 \(6 days\)/);
    // One sender alone going quiet is not raised when the whole domain is silent.
    expect(health.findings.some((finding) => finding.code === 'sender-silent')).toBe(false);
  });

  it('suggests enforce for MTA-STS testing mode without failures for weeks', () => {
    const health = healthOf('testing.example');
    expect(health.verdict).toBe('healthy');
    expect(health.findings.map(evidence)).toEqual([
      {
        severity: 'info',
        code: 'policy-testing-clean',
        domain: 'testing.example',
        mx: null,
        organization: null,
        resultType: null,
        firstSeen: '2026-05-27',
        lastSeen: '2026-06-29',
        failedSessions: 0,
      },
    ]);
    expect(health.findings[0]?.fix).toMatch(/mode: enforce/);
  });

  it('judges as of an earlier day from what was known then', () => {
    // On 06-25 mx2 had not failed yet, and silent.example had reported the day before.
    const earlier = new DomainHealthService(db).domains(dayOfDate('2026-06-25'));
    const byDomain = Object.fromEntries(earlier.map((health) => [health.domain, health.verdict]));
    expect(byDomain).toMatchObject({
      'healthy.example': 'healthy',
      'brokenmx.example': 'healthy',
      'silent.example': 'healthy',
      'sendergone.example': 'degraded',
    });
  });

  it('lists the worst domains first and answers through the contract', async () => {
    const { handlers } = createApiHandlers({ db, databasePath: 'x', transport: 'http', allowPaths: false });
    const answer = (await dispatch(handlers, 'domains', { asOf: AS_OF })) as ApiResult<ApiResponse<'domains'>>;
    if (!answer.ok) throw new Error(answer.error.message);
    expect(answer.value.asOf).toBe(AS_OF);
    expect(answer.value.domains.map((health) => [health.domain, health.verdict])).toEqual([
      ['brokenmx.example', 'failing'],
      ['silent.example', 'silent'],
      ['sendergone.example', 'degraded'],
      ['healthy.example', 'healthy'],
      ['testing.example', 'healthy'],
    ]);
    const findings = (await dispatch(handlers, 'findings', { asOf: AS_OF })) as ApiResult<ApiResponse<'findings'>>;
    if (!findings.ok) throw new Error(findings.error.message);
    expect(findings.value.status).toBe('error');
    expect(findings.value.findings.map((finding) => finding.severity)).toEqual([
      'error',
      'warning',
      'warning',
      'warning',
      'warning',
      'info',
      'info',
    ]);
    const page = (await dispatch(handlers, 'domain', {
      filter: {},
      domain: 'BrokenMX.example.',
      asOf: AS_OF,
    })) as ApiResult<ApiResponse<'domain'>>;
    if (!page.ok) throw new Error(page.error.message);
    expect(page.value).toMatchObject({
      domain: 'brokenmx.example',
      failedSessions: 240,
      failedWithoutDetails: 0,
      byResultType: [
        { resultType: 'certificate-expired', failedSessions: 240, firstSeen: '2026-06-26', lastSeen: '2026-06-29' },
      ],
      byMx: [{ mx: 'mx2.brokenmx.example', failedSessions: 240, firstSeen: '2026-06-26', lastSeen: '2026-06-29' }],
    });
    expect(page.value.senders.map((sender) => sender.organization).sort()).toEqual(SENDERS);
    expect(page.value.policies[0]?.policyStrings).toContain('mode: enforce');
    expect(await dispatch(handlers, 'domain', { filter: {}, domain: 'unknown.example' })).toMatchObject({
      ok: false,
      error: { code: 'not-found' },
    });
    expect(await dispatch(handlers, 'domains', { asOf: '2026-02-30' })).toMatchObject({
      ok: false,
      error: { code: 'invalid-request' },
    });
  });

  it('says that the import has stopped when every domain has gone silent', () => {
    const later = new DomainHealthService(db).domains(dayOfDate('2026-07-20'));
    expect(later.every((health) => health.verdict === 'silent')).toBe(true);
    for (const health of later) expect(health.findings[0]?.message).toMatch(/sync or the import has probably stopped/);
  });

  it('keeps its answer until a report is stored, then answers anew', () => {
    const service = new DomainHealthService(db);
    const first = service.domains(asOfDay);
    expect(service.domains(asOfDay)).toBe(first);
    storeReportDocuments(db, [
      reportJson({
        organization: 'Yahoo',
        reportId: 'new-domain',
        start: '2026-06-29T00:00:00Z',
        end: '2026-06-29T23:59:59Z',
        policies: [policyEntry({ domain: 'new.example' })],
      }),
    ]);
    const second = service.domains(asOfDay);
    expect(second).not.toBe(first);
    expect(second.map((health) => health.domain)).toContain('new.example');
  });

  it('after new reports, assesses again only the domains they name, and answers as a fresh assessment would', () => {
    const service = new DomainHealthService(db);
    const earlier = dayOfDate('2026-06-20');
    const before = new Map(service.domains(asOfDay).map((health) => [health.domain, health]));
    service.domains(earlier);
    storeReportDocuments(db, [
      reportJson({
        organization: 'Yahoo',
        reportId: 'brokenmx-more',
        start: '2026-06-29T00:00:00Z',
        end: '2026-06-29T23:59:59Z',
        policies: [
          policyEntry({
            domain: 'brokenmx.example',
            failed: 40,
            details: [failureDetail('certificate-expired', 40, { 'receiving-mx-hostname': 'mx2.brokenmx.example' })],
          }),
        ],
      }),
    ]);
    const after = service.domains(asOfDay);
    for (const health of after) {
      if (health.domain === 'brokenmx.example') expect(health).not.toBe(before.get(health.domain));
      else expect(health).toBe(before.get(health.domain));
    }
    const fresh = new DomainHealthService(db);
    expect(after).toEqual(fresh.domains(asOfDay));
    expect(service.domains(earlier)).toEqual(fresh.domains(earlier));
    expect(after.find((health) => health.domain === 'brokenmx.example')?.recentFailed).toBe(
      (before.get('brokenmx.example')?.recentFailed ?? 0) + 40,
    );
  });
});
