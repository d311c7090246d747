import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApiHandlers } from '../../electron/backend/api/handlers.js';
import { dispatch } from '../../electron/backend/api/dispatch.js';
import { openDatabase, type WritableDatabase } from '../../electron/backend/db/database.js';
import { DomainHealthService, dayOfDate } from '../../electron/backend/health/domain-health.js';
import type { ApiResponse, ApiResult } from '../../shared/api/contract.js';
import type { DomainHealth } from '../../shared/health/assess-domain.js';
import type { HealthFinding } from '../../shared/health/findings.js';
import { corpusReports, useTempDir } from '../helpers/files.js';
import { AS_OF, SENDERS, clean, dailyReports, failingDay, storeHealthScenario } from '../helpers/health-scenario.js';
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
        policyLint: null,
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
        policyLint: null,
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
        policyLint: null,
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
        policyLint: null,
      },
      // In testing mode and clean all the same: Google's reports cover every day of the 35.
      {
        severity: 'info',
        code: 'policy-testing-clean',
        domain: 'sendergone.example',
        mx: null,
        organization: null,
        resultType: null,
        firstSeen: '2026-05-27',
        lastSeen: '2026-06-29',
        failedSessions: 0,
        policyLint: null,
      },
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
        policyLint: null,
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
        policyLint: null,
      },
    ]);
    expect(health.findings[0]?.fix).toMatch(/mode: enforce/);
  });

  it('traces a failing host to a policy whose mx lines do not cover it, in the finding and in words', () => {
    const health = healthOf('mismatch.example');
    // Testing mode: mail is not at risk, so a failing host is a warning, not an error.
    expect(health.verdict).toBe('degraded');
    const policyLint = {
      policyStrings: ['version: STSv1', 'mode: testing', 'mx: mx1.mismatch.example', 'max_age: 604800'],
      quotedFrom: '2026-06-24',
      quotedTo: '2026-06-29',
      mxPatterns: ['mx1.mismatch.example'],
      mxCovered: false,
      lint: [
        {
          severity: 'warning',
          code: 'policy-mx-uncovered',
          message:
            'MX host mx2.mismatch.example is not covered by any mx pattern: once enforced, senders would not deliver to it',
          rfc: 'RFC 8461 §4.1',
          fix: 'add "mx: mx2.mismatch.example"',
        },
      ],
    };
    expect(health.findings.map(evidence)).toEqual([
      {
        severity: 'warning',
        code: 'mx-failing',
        domain: 'mismatch.example',
        mx: 'mx2.mismatch.example',
        organization: null,
        resultType: 'certificate-host-mismatch',
        firstSeen: '2026-06-25',
        lastSeen: '2026-06-29',
        failedSessions: 50,
        policyLint,
      },
      {
        severity: 'warning',
        code: 'failure-type-new',
        domain: 'mismatch.example',
        mx: 'mx2.mismatch.example',
        organization: null,
        resultType: 'certificate-host-mismatch',
        firstSeen: '2026-06-25',
        lastSeen: '2026-06-29',
        failedSessions: 50,
        policyLint,
      },
    ]);
    const [mxFailing] = health.findings;
    expect(mxFailing?.message).toMatch(/Mail still arrives/);
    expect(mxFailing?.message).toContain(
      'mx2.mismatch.example does not match the mx lines of the MTA-STS policy senders quoted (mx: mx1.mismatch.example, last on 2026-06-29): the policy is the cause',
    );
    expect(mxFailing?.fix).toMatch(
      /^Add "mx: mx2\.mismatch\.example" to the policy file at https:\/\/mta-sts\.mismatch\.example\//,
    );
  });

  it('finds a new result type at a host that failed before with another, without calling the host failing', () => {
    const health = healthOf('newtype.example');
    expect(health.verdict).toBe('degraded');
    expect(health.failingMxHosts).toEqual([]);
    expect(health.findings.map(evidence)).toEqual([
      {
        severity: 'warning',
        code: 'failure-type-new',
        domain: 'newtype.example',
        mx: 'mx1.newtype.example',
        organization: null,
        resultType: 'starttls-not-supported',
        firstSeen: '2026-06-28',
        lastSeen: '2026-06-28',
        failedSessions: 2,
        policyLint: null,
      },
    ]);
    expect(health.findings[0]?.message).toMatch(/^A new kind of failure for newtype\.example since 2026-06-28/);
  });

  it('calls a host failing that fails a large share of the sessions in one burst', () => {
    const health = healthOf('burst.example');
    expect(health.verdict).toBe('degraded');
    expect(health.findings.map(evidence)).toEqual([
      {
        severity: 'warning',
        code: 'mx-failing',
        domain: 'burst.example',
        mx: 'mx1.burst.example',
        organization: null,
        resultType: 'starttls-not-supported',
        firstSeen: '2026-06-28',
        lastSeen: '2026-06-28',
        failedSessions: 400,
        policyLint: null,
      },
      {
        severity: 'warning',
        code: 'failure-type-new',
        domain: 'burst.example',
        mx: 'mx1.burst.example',
        organization: null,
        resultType: 'starttls-not-supported',
        firstSeen: '2026-06-28',
        lastSeen: '2026-06-28',
        failedSessions: 400,
        policyLint: null,
      },
      {
        severity: 'warning',
        code: 'failure-spike',
        domain: 'burst.example',
        mx: null,
        organization: null,
        resultType: null,
        firstSeen: '2026-06-28',
        lastSeen: '2026-06-28',
        failedSessions: 400,
        policyLint: null,
      },
    ]);
    // 400 of the 6,000 sessions of the last 7 days, on one day.
    expect(health.findings[0]?.message).toMatch(/failed 400 sessions on 1 of the last 7 days \(6\.7% of/);
  });

  it('keeps a domain silent for longer than the lookback at info', () => {
    const health = healthOf('retired.example');
    expect(health.verdict).toBe('silent');
    expect(health.findings.map(evidence)).toEqual([
      {
        severity: 'info',
        code: 'domain-silent',
        domain: 'retired.example',
        mx: null,
        organization: null,
        resultType: null,
        firstSeen: '2026-05-01',
        lastSeen: '2026-05-21',
        failedSessions: null,
        policyLint: null,
      },
    ]);
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
      ['burst.example', 'degraded'],
      ['mismatch.example', 'degraded'],
      ['newtype.example', 'degraded'],
      ['sendergone.example', 'degraded'],
      ['healthy.example', 'healthy'],
      ['testing.example', 'healthy'],
      ['retired.example', 'silent'],
    ]);
    const findings = (await dispatch(handlers, 'findings', { asOf: AS_OF })) as ApiResult<ApiResponse<'findings'>>;
    if (!findings.ok) throw new Error(findings.error.message);
    expect(findings.value.status).toBe('error');
    expect(findings.value.findings.map((finding) => [finding.severity, finding.domain, finding.code])).toEqual([
      ['error', 'brokenmx.example', 'mx-failing'],
      ['warning', 'burst.example', 'mx-failing'],
      ['warning', 'burst.example', 'failure-type-new'],
      ['warning', 'burst.example', 'failure-spike'],
      ['warning', 'brokenmx.example', 'failure-type-new'],
      ['warning', 'brokenmx.example', 'failure-spike'],
      ['warning', 'mismatch.example', 'mx-failing'],
      ['warning', 'mismatch.example', 'failure-type-new'],
      ['warning', 'newtype.example', 'failure-type-new'],
      ['warning', 'sendergone.example', 'sender-silent'],
      ['warning', 'silent.example', 'domain-silent'],
      ['info', 'retired.example', 'domain-silent'],
      ['info', 'sendergone.example', 'policy-testing-clean'],
      ['info', 'testing.example', 'policy-testing-clean'],
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

  it('says once that the feed stopped when every domain has gone silent, and judges each as of the last report', () => {
    const service = new DomainHealthService(db);
    // Judged on the day itself, every domain is silent …
    const later = service.domains(dayOfDate('2026-07-20'));
    expect(later.every((health) => health.verdict === 'silent')).toBe(true);
    // … but the view of that day says so once, and shows each domain as of the last report (06-29).
    const view = service.view(dayOfDate('2026-07-20'));
    expect(view).toMatchObject({ asOf: '2026-07-20', judgedAsOf: '2026-06-29' });
    expect(view.feedSilent).toMatchObject({
      severity: 'warning',
      code: 'feed-silent',
      domain: null,
      lastSeen: '2026-06-29',
    });
    expect(view.feedSilent?.message).toContain('No TLS report at all since 2026-06-29 (21 days)');
    expect(view.feedSilent?.fix).toMatch(/mailbox.*sync.*_smtp\._tls/);
    expect(view.domains).toEqual(service.domains(dayOfDate('2026-06-29')));
    const broken = view.domains.find((health) => health.domain === 'brokenmx.example');
    expect(broken?.verdict).toBe('failing');
    expect(broken?.findings[0]).toMatchObject({
      code: 'mx-failing',
      mx: 'mx2.brokenmx.example',
      firstSeen: '2026-06-26',
    });
    // A domain that stopped before the feed did keeps its own silence.
    expect(view.domains.find((health) => health.domain === 'silent.example')?.verdict).toBe('silent');
    const findings = service.findings(dayOfDate('2026-07-20'));
    expect(findings.findings[0]?.code).toBe('feed-silent');
    expect(findings.findings.filter((finding) => finding.code === 'feed-silent')).toHaveLength(1);
    // Only silent.example (stopped 06-24) and the retired domain are silent on their own.
    expect(findings.findings.filter((finding) => finding.code === 'domain-silent').map((f) => f.domain)).toEqual([
      'silent.example',
      'retired.example',
    ]);
    // While reports arrive, no feed finding.
    expect(service.view(asOfDay).feedSilent).toBeNull();
    expect(service.view(asOfDay).judgedAsOf).toBe(AS_OF);
  });

  it('refuses an as-of day after today, and a malformed one, with the reason', async () => {
    const { handlers } = createApiHandlers({ db, databasePath: ':memory:', transport: 'http', allowPaths: false });
    const future = await dispatch(handlers, 'domains', { asOf: '2999-01-01' });
    expect(future).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    expect(JSON.stringify(future)).toMatch(/2999-01-01 is after today \(\d{4}-\d{2}-\d{2}, UTC\)/);
    for (const method of ['findings', 'domain'] as const) {
      const request =
        method === 'domain' ? { filter: {}, domain: 'brokenmx.example', asOf: '2999-01-01' } : { asOf: '2999-01-01' };
      expect(await dispatch(handlers, method, request)).toMatchObject({
        ok: false,
        error: { code: 'invalid-request' },
      });
    }
    expect(JSON.stringify(await dispatch(handlers, 'domains', { asOf: '2026-13-01' }))).toMatch(
      /is not a date: \\"as of\\" takes a UTC date like 2026-01-31/,
    );
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

describe('since when an MX host fails', () => {
  // Reports daily for 150 days; the hosts' failures as listed, in Google's reports only.
  const days = 150;
  const dayBefore = (offset: number): string => new Date((asOfDay - offset) * 86_400_000).toISOString().slice(0, 10);
  let runs: WritableDatabase;

  beforeAll(() => {
    runs = openDatabase(join(tempDir(), 'runs.sqlite'));
    const failingAt = (mx: string): { successful: number; failed: number; details: Record<string, unknown>[] } =>
      failingDay('certificate-expired', 5, mx);
    storeReportDocuments(runs, [
      ...dailyReports(
        asOfDay,
        'runs.example',
        'enforce',
        (offset, sender) => {
          if (sender !== 'Google Inc.') return clean;
          const failing = [
            // One stray failure months ago, clean since, then failing every day from 6 days ago.
            offset === 120 || offset <= 6 ? 'mx1.runs.example' : null,
            // Failing every day for 100 days: since before the 35 days looked at.
            offset <= 100 ? 'mx2.runs.example' : null,
            // A failure, then 7 days with reports and no failure, then failing: one run.
            offset === 20 || offset <= 12 ? 'mx3.runs.example' : null,
            // A failure, then 8 days with reports and no failure, then failing: a new run.
            offset === 21 || offset <= 12 ? 'mx4.runs.example' : null,
          ].filter((mx): mx is string => mx !== null);
          return {
            successful: 500 - 5 * failing.length,
            failed: 5 * failing.length,
            details: failing.flatMap((mx) => failingAt(mx).details),
          };
        },
        { days },
      ),
      // No report at all from 30 to 15 days ago (the import had stopped): the host failed before and after.
      ...dailyReports(
        asOfDay,
        'gap.example',
        'enforce',
        (offset) =>
          offset >= 15 && offset <= 30 ? null : offset <= 45 && offset !== 14 ? failingAt('mx1.gap.example') : clean,
        { days },
      ),
    ]);
  });

  function sinceOf(domain: string): Record<string, string | null> {
    const health = new DomainHealthService(runs).domain(asOfDay, domain);
    return Object.fromEntries(
      (health?.findings ?? [])
        .filter((finding) => finding.code === 'mx-failing')
        .map((finding) => [finding.mx ?? '', finding.firstSeen]),
    );
  }

  it('is the start of the current run of failing, not a stray failure months before', () => {
    expect(sinceOf('runs.example')).toEqual({
      'mx1.runs.example': dayBefore(6),
      'mx2.runs.example': dayBefore(100),
      'mx3.runs.example': dayBefore(20),
      'mx4.runs.example': dayBefore(12),
    });
    const mx1 = new DomainHealthService(runs)
      .domain(asOfDay, 'runs.example')
      ?.findings.find((finding) => finding.mx === 'mx1.runs.example');
    expect(mx1).toMatchObject({ firstSeen: '2026-06-24', lastSeen: '2026-06-29', failedSessions: 30 });
  });

  it('runs on across days without any report, and across one day with reports but no failure', () => {
    expect(sinceOf('gap.example')).toEqual({ 'mx1.gap.example': dayBefore(45) });
  });
});

describe('a policy fetch error, against the policy senders quoted before', () => {
  it('carries what the linter says about the newest policy quoted before the failures', () => {
    const fetching = openDatabase(join(tempDir(), 'fetch.sqlite'));
    const domain = 'fetch.example';
    const documents = [];
    for (let offset = 20; offset >= 1; offset--) {
      const start = new Date((asOfDay - offset) * 86_400_000).toISOString().slice(0, 10);
      const failing = offset <= 8;
      const policy = policyEntry({
        domain,
        successful: failing ? 0 : 100,
        failed: failing ? 100 : 0,
        details: failing
          ? [failureDetail('sts-policy-fetch-error', 100, { 'receiving-mx-hostname': 'mx1.fetch.example' })]
          : [],
      });
      const fields = policy['policy'] as Record<string, unknown>;
      // The policy as senders last fetched it: a final dot the grammar does not allow. Since then, none to quote.
      if (failing) delete fields['policy-string'];
      else fields['policy-string'] = ['version: STSv1', 'mode: enforce', 'mx: mx1.fetch.example.', 'max_age: 604800'];
      documents.push(
        reportJson({
          organization: 'Google Inc.',
          reportId: `${domain}-${start}`,
          start: `${start}T00:00:00Z`,
          end: `${start}T23:59:59Z`,
          policies: [policy],
        }),
      );
    }
    storeReportDocuments(fetching, documents);
    const health = new DomainHealthService(fetching).domain(asOfDay, domain);
    const finding = health?.findings.find((entry) => entry.code === 'mx-failing');
    expect(finding).toMatchObject({
      severity: 'error',
      mx: 'mx1.fetch.example',
      resultType: 'sts-policy-fetch-error',
      // Failing since 06-22, before the 7 days of the window, whose reports quote no policy.
      firstSeen: '2026-06-22',
      lastSeen: '2026-06-29',
      failedSessions: 600,
      policyLint: {
        policyStrings: ['version: STSv1', 'mode: enforce', 'mx: mx1.fetch.example.', 'max_age: 604800'],
        quotedFrom: '2026-06-21',
        quotedTo: '2026-06-21',
        mxPatterns: null,
        mxCovered: null,
      },
    });
    expect(finding?.policyLint?.lint.map((lint) => [lint.severity, lint.code])).toEqual([
      ['error', 'policy-mx-invalid'],
    ]);
    expect(finding?.message).toContain(
      'The MTA-STS policy senders quoted (last on 2026-06-21) does not pass the linter: line 3: "mx1.fetch.example." is not an MX host name',
    );
    expect(finding?.fix).toContain('write it without the final dot: mx1.fetch.example');
    fetching.close();
  });
});

describe('sessions counted once on the real Microsoft report (tlsa and sts for one domain)', () => {
  it('counts the sessions of the domain once in its health and page, while the report keeps both policies', async () => {
    const microsoft = openDatabase(join(tempDir(), 'microsoft.sqlite'));
    storeReportDocuments(microsoft, [readFileSync(join(corpusReports, 'dmarc-report-viewer__microsoft.json'), 'utf8')]);
    const { handlers } = createApiHandlers({
      db: microsoft,
      databasePath: 'x',
      transport: 'http',
      allowPaths: false,
    });
    const call = async <M extends 'domains' | 'domain' | 'reports' | 'report'>(
      method: M,
      request: unknown,
    ): Promise<ApiResponse<M>> => {
      const answer = (await dispatch(handlers, method, request)) as ApiResult<ApiResponse<M>>;
      if (!answer.ok) throw new Error(answer.error.message);
      return answer.value;
    };
    // The report is of 2025-05-23; the next day, its sessions are in the last 7 days.
    const domains = await call('domains', { asOf: '2025-05-24' });
    expect(domains.domains.map((health) => health.domain)).toEqual(['random.net']);
    expect(domains.domains[0]).toMatchObject({
      recentSuccessful: 2,
      recentFailed: 0,
      stsMode: 'enforce',
      dane: true,
      policyTypes: ['sts', 'tlsa'],
      verdict: 'healthy',
      findings: [],
    });
    expect(domains.domains[0]?.daily.find((entry) => entry.day === '2025-05-23')).toEqual({
      day: '2025-05-23',
      failureRate: 0,
    });
    const page = await call('domain', { filter: {}, domain: 'random.net', asOf: '2025-05-24' });
    expect(page).toMatchObject({ successfulSessions: 2, failedSessions: 0 });
    expect(page.senders).toMatchObject([{ organization: 'Microsoft Corporation', successfulSessions: 2 }]);
    // The report page shows each policy's own figures: 2 and 2.
    const { rows } = await call('reports', { filter: {}, offset: 0, limit: 10 });
    expect(rows).toMatchObject([{ successfulSessions: 2, failedSessions: 0 }]);
    const report = await call('report', { id: rows[0]?.id ?? 0 });
    expect(report.policies.map((policy) => [policy.policyType, policy.successfulSessions])).toEqual([
      ['sts', 2],
      ['tlsa', 2],
    ]);
    microsoft.close();
  });
});
