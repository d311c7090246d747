// The verdict on mail to each policy domain, and the findings behind it,
// from what the reports say about the weeks up to a given UTC day. Pure: the
// backend gathers the evidence (electron/backend/db/health-queries.ts).
import { explainResultType } from '../glossary/result-types.js';
import { mxMatchesAny } from '../policy/mx-pattern.js';
import { lintStoredPolicies, type PolicyVersionLint } from '../policy/report-lint.js';
import { dateOfDay } from '../report/datetime.js';
import { MISSING_RESULT_TYPE, failureRate, formatRate } from '../summary/types.js';
import { compareFindings, type FindingPolicyLint, type HealthFinding } from './findings.js';

/**
 * The thresholds, and why. NCSC Mail Check judges TLS-RPT on the failure rate
 * alone (0 %, 10 %, 50 %): any failure at all raises it, while one MX host
 * that is completely broken but takes a twentieth of the traffic stays below
 * 10 %. The rate mixes hosts and senders; what breaks in practice is one host
 * (an expired certificate on mx2) or the policy host, and it breaks every day
 * until fixed. So the verdict here looks at each MX host and at persistence,
 * asks whether the policy makes senders refuse mail (MTA-STS `enforce`,
 * DANE), and judges rates only where there are enough sessions to.
 */
export const HEALTH_THRESHOLDS = {
  /** The recent window: a week holds weekday and weekend traffic and a daily report from each sender. */
  recentDays: 7,
  /** The baseline before it, for spikes and regular senders: four weeks. */
  baselineDays: 28,
  /**
   * Below this many sessions in a window a rate says little (one failure in 19
   * sessions is 5 %): rates are then not judged, persistent failures still are.
   */
  minSessions: 20,
  /** A domain failure rate that makes it degraded: one message in a hundred not delivered securely. */
  degradedRate: 0.01,
  /** A domain failure rate that makes it failing: a host or the policy is broken, not a sender. */
  failingRate: 0.1,
  /** An MX host fails when it failed at least this many sessions in the recent window … */
  mxMinFailedSessions: 3,
  /** … on at least this many days (a fault persists; a network blip does not) … */
  mxMinDays: 2,
  /** … or in one burst at least this share of the domain's sessions. */
  mxMinShare: 0.05,
  /** A spike: the recent rate at least this many times the baseline's … */
  spikeFactor: 2,
  /** … and at least this much higher (two percentage points). */
  spikeMinIncrease: 0.02,
  /**
   * Silence: reports for day D arrive on D+1 (Microsoft's up to a day later),
   * so no report for the last four days means three expected reports missing.
   */
  silentDays: 4,
  /** A sender reported a domain regularly when it did on at least half the baseline's days. */
  regularSenderShare: 0.5,
  /** MTA-STS testing is clean when the whole lookback shows no failure on at least this many days with reports. */
  testingCleanMinDays: 14,
  /**
   * Since when an MX host fails: the first day of its current run of
   * failing, where a run ends at more than this many days with reports for
   * the domain but no failure at the host. A week holds weekday and weekend
   * traffic (as the recent window does), so a host still broken would have
   * failed in it: a stray failure months before an outage is not its start.
   * Days without any report for the domain (an import that stopped) say
   * nothing about the host and do not end a run. (At least 6: the backend
   * reads runs from week rows, within which failures lie at most 6 days apart.)
   */
  runGapReportDays: 7,
} as const;

/**
 * Result types whose cause may be the domain's MTA-STS policy, so that their
 * findings carry the policy linter's word (FindingPolicyLint). For the first
 * three, whether the host matches the policy's `mx` patterns: a sender must
 * check it (RFC 8461 §4.1), and RFC 8460 §4.3 has no result type of its own
 * for a host outside them, so senders file it under a name mismatch, the
 * MTA-STS validation (`sts-webpki-invalid`) or a general
 * `validation-failure`. For the last two, what the linter says about the
 * policy text senders quoted.
 */
export const POLICY_LINKED_RESULT_TYPES = {
  'certificate-host-mismatch': 'mx-coverage',
  'sts-webpki-invalid': 'mx-coverage',
  'validation-failure': 'mx-coverage',
  'sts-policy-fetch-error': 'policy-text',
  'sts-policy-invalid': 'policy-text',
} as const satisfies Record<string, 'mx-coverage' | 'policy-text'>;

function policyLinkOf(resultType: string | null): 'mx-coverage' | 'policy-text' | null {
  if (resultType === null || !Object.hasOwn(POLICY_LINKED_RESULT_TYPES, resultType)) return null;
  return POLICY_LINKED_RESULT_TYPES[resultType as keyof typeof POLICY_LINKED_RESULT_TYPES];
}

/** True for a result type whose findings the policy linter speaks to (what the backend gathers quoted policies for). */
export function isPolicyLinkedResultType(resultType: string | null): boolean {
  return policyLinkOf(resultType) !== null;
}

/** How far back the evidence reaches: the baseline and the recent window. */
export const LOOKBACK_DAYS = HEALTH_THRESHOLDS.recentDays + HEALTH_THRESHOLDS.baselineDays;

export type Verdict = 'healthy' | 'degraded' | 'failing' | 'silent';

/** What the reports say about one policy domain over the lookback window ending on `asOfDay`. */
export interface DomainEvidence {
  domain: string;
  /** UTC day numbers (days since 1970-01-01) of the domain's first and last report at or before asOfDay. */
  firstReportDay: number | null;
  lastReportDay: number | null;
  /** Each day of the window with reports, oldest first. */
  days: { day: number; successful: number; failed: number; failedWithoutDetails: number }[];
  /**
   * Each sender that reported the domain in the window: its last day with a
   * report in the window and, where it has been silent for `silentDays` or
   * more (the only senders sender-silent judges; null for the others), on how
   * many days of the baseline it reported and its first day in the window.
   */
  senders: { organization: string; lastDay: number; baselineDays: number | null; firstDay: number | null }[];
  /** Failed sessions per MX host (null: named none), result type and day in the window, from failure details. */
  failures: { mx: string | null; resultType: string | null; day: number; failed: number }[];
  /** The first day ever (at or before asOfDay) each result type failed for the domain. */
  resultTypeFirstDays: { resultType: string | null; firstDay: number }[];
  /**
   * For each MX host that failed in the recent window, the first day of its
   * current run of failing (HEALTH_THRESHOLDS.runGapReportDays), which may
   * lie before the lookback window.
   */
  mxRunStarts: { mx: string | null; firstDay: number }[];
  /**
   * The MTA-STS policy texts senders quoted for the domain in the recent
   * window (RFC 8460 §4.2 `policy-string`), each with the first and last day
   * it was quoted, or where they quoted none, the newest one quoted in the
   * lookback window before it; gathered only for a domain with a recent
   * failure of a policy-linked result type (isPolicyLinkedResultType), else
   * empty.
   */
  stsPolicies: {
    policyStrings: string[];
    firstDay: number;
    lastDay: number;
    reports: number;
    failedSessions: number;
  }[];
  /** The newest MTA-STS mode senders quoted (null: none quoted), and whether any sender applied DANE. */
  stsMode: string | null;
  dane: boolean;
  /** The policy types senders reported for the domain in the window, most sessions first. */
  policyTypes: string[];
}

export interface DomainHealth {
  domain: string;
  verdict: Verdict;
  /** Why, in one sentence. */
  reason: string;
  /** The recent window: its first and last day, its sessions and rate. */
  recentFrom: string;
  recentTo: string;
  recentSuccessful: number;
  recentFailed: number;
  recentFailureRate: number | null;
  /** The baseline's rate; null where it had no sessions. */
  baselineFailureRate: number | null;
  /** Recent against baseline: null where either has too few sessions to judge. */
  trend: 'rising' | 'falling' | 'steady' | null;
  /** MX hosts with an `mx-failing` finding. */
  failingMxHosts: (string | null)[];
  /** Senders that reported in the recent window. */
  recentSenders: number;
  lastReport: string | null;
  stsMode: string | null;
  dane: boolean;
  policyTypes: string[];
  /** The failure rate of each day of the lookback window; null for a day without reports (a gap). */
  daily: { day: string; failureRate: number | null }[];
  findings: HealthFinding[];
}

const T = HEALTH_THRESHOLDS;

/** Rates in findings are written as the tables write them (formatRate), so that the two read alike. */
const percent = formatRate;

/**
 * Where failures without details are at least this share of a domain's
 * failed sessions in the recent window, the findings about its failures say
 * so: those failures are at no host the senders named, so a finding about
 * one host tells only part of the story.
 */
const WITHOUT_DETAILS_SHARE_SAID = 0.1;

const integer = new Intl.NumberFormat('en-US');

function sessions(count: number): string {
  return `${integer.format(count)} session${count === 1 ? '' : 's'}`;
}

function typeName(resultType: string | null): string {
  return resultType ?? MISSING_RESULT_TYPE;
}

/** Where senders refuse to deliver when TLS fails: MTA-STS in enforce mode, or DANE (RFC 7672 §2.2). */
function enforcing(evidence: DomainEvidence): boolean {
  return evidence.stsMode === 'enforce' || evidence.dane;
}

/** The verdict and findings for one domain as of a UTC day. */
export function assessDomain(evidence: DomainEvidence, asOfDay: number): DomainHealth {
  const recentStart = asOfDay - T.recentDays + 1;
  const lookbackStart = asOfDay - LOOKBACK_DAYS + 1;
  const recentDays = evidence.days.filter((day) => day.day >= recentStart && day.day <= asOfDay);
  const baselineDays = evidence.days.filter((day) => day.day >= lookbackStart && day.day < recentStart);
  const sum = (days: typeof evidence.days, pick: (day: (typeof evidence.days)[number]) => number): number =>
    days.reduce((total, day) => total + pick(day), 0);
  const recentSuccessful = sum(recentDays, (day) => day.successful);
  const recentFailed = sum(recentDays, (day) => day.failed);
  const recentWithoutDetails = sum(recentDays, (day) => day.failedWithoutDetails);
  const baselineSuccessful = sum(baselineDays, (day) => day.successful);
  const baselineFailed = sum(baselineDays, (day) => day.failed);
  const recentSessions = recentSuccessful + recentFailed;
  const baselineSessions = baselineSuccessful + baselineFailed;
  const recentRate = failureRate(recentSuccessful, recentFailed);
  const baselineRate = failureRate(baselineSuccessful, baselineFailed);
  const judged = recentSessions >= T.minSessions;
  const findings: HealthFinding[] = [];
  const base = { domain: evidence.domain, mx: null, organization: null, resultType: null, policyLint: null } as const;
  const policyWord = policyLinter(evidence, recentStart, asOfDay);
  // The domain's rate in the recent window: the figure the Domains table shows beside the findings.
  const domainRateWords = (hostShare: number | null): string =>
    recentRate === null || (hostShare !== null && percent(hostShare) === percent(recentRate))
      ? ''
      : ` ${evidence.domain} as a whole: ${percent(recentRate)} of ${sessions(recentSessions)} failed in these ${T.recentDays} days.`;
  const withoutDetailsWords =
    recentWithoutDetails > 0 && recentWithoutDetails >= recentFailed * WITHOUT_DETAILS_SHARE_SAID
      ? ` ${sessions(recentWithoutDetails)} of its ${integer.format(recentFailed)} failed came without failure details (${percent(recentWithoutDetails / recentFailed)}), so at no MX host the senders named.`
      : '';

  // domain-silent: no report for the last days.
  const silentFor = evidence.lastReportDay === null ? null : asOfDay - evidence.lastReportDay;
  const silent = silentFor !== null && silentFor >= T.silentDays;
  if (silent && evidence.lastReportDay !== null) {
    const long = evidence.lastReportDay < lookbackStart;
    findings.push({
      ...base,
      severity: long ? 'info' : 'warning',
      code: 'domain-silent',
      firstSeen: evidence.firstReportDay === null ? null : dateOfDay(evidence.firstReportDay),
      lastSeen: dateOfDay(evidence.lastReportDay),
      failedSessions: null,
      message: `No TLS report for ${evidence.domain} since ${dateOfDay(evidence.lastReportDay)} (${silentFor} days): either no mail reached it, or reports no longer arrive.`,
      fix: `Check that the _smtp._tls.${evidence.domain} TXT record still exists and names a working rua= address (Policies ▸ Check online), and that the mailbox that receives the reports is still synced or imported.`,
    });
  }

  // mx-failing: a host that fails persistently, or a large share of the domain's sessions at once.
  const byHost = new Map<
    string | null,
    { failed: number; days: Set<number>; byType: Map<string | null, number>; first: number; last: number }
  >();
  for (const failure of evidence.failures) {
    if (failure.day < recentStart || failure.day > asOfDay) continue;
    let host = byHost.get(failure.mx);
    if (!host) {
      host = { failed: 0, days: new Set(), byType: new Map(), first: failure.day, last: failure.day };
      byHost.set(failure.mx, host);
    }
    host.failed += failure.failed;
    host.days.add(failure.day);
    host.byType.set(failure.resultType, (host.byType.get(failure.resultType) ?? 0) + failure.failed);
    host.first = Math.min(host.first, failure.day);
    host.last = Math.max(host.last, failure.day);
  }
  const failingMxHosts: (string | null)[] = [];
  const runStart = new Map(evidence.mxRunStarts.map((entry) => [entry.mx, entry.firstDay]));
  for (const [mx, host] of byHost) {
    const share = recentSessions === 0 ? 0 : host.failed / recentSessions;
    if (host.failed < T.mxMinFailedSessions || (host.days.size < T.mxMinDays && share < T.mxMinShare)) continue;
    failingMxHosts.push(mx);
    const types = [...host.byType].sort((a, b) => b[1] - a[1] || typeName(a[0]).localeCompare(typeName(b[0])));
    const [mainType] = types[0] ?? [null];
    const explanation = explainResultType(typeName(mainType));
    const others = types.slice(1).map(([type, failed]) => `${typeName(type)} ${failed}`);
    // Since when: the start of the host's current run of failing (runGapReportDays), not a stray failure before it.
    const since = Math.min(runStart.get(mx) ?? host.first, host.first);
    const atRisk = enforcing(evidence);
    const hostName = mx ?? 'an MX host the senders did not name';
    const word = policyWord(mx, mainType, host.last);
    findings.push({
      ...base,
      mx,
      resultType: mainType,
      severity: atRisk ? 'error' : 'warning',
      code: 'mx-failing',
      firstSeen: dateOfDay(since),
      lastSeen: dateOfDay(host.last),
      failedSessions: host.failed,
      message:
        `${hostName} failed ${sessions(host.failed)} on ${host.days.size} of the last ${T.recentDays} days ` +
        `(${percent(share)} of ${evidence.domain}'s sessions), mostly ${typeName(mainType)}: ${explanation.meaning}` +
        (others.length > 0 ? ` Also: ${others.join(', ')}.` : '') +
        domainRateWords(share) +
        withoutDetailsWords +
        (atRisk
          ? ' Senders that enforce the policy do not deliver to this host.'
          : ' Mail still arrives, but not protected by TLS as the policy intends.') +
        (word === null ? '' : ` ${word.message}`),
      fix: word?.fix ?? explanation.fix,
      policyLint: word?.policyLint ?? null,
    });
  }

  // failure-type-new: a result type first seen in the recent window, for a domain with history before it.
  if (evidence.firstReportDay !== null && evidence.firstReportDay < recentStart) {
    const recentByType = new Map<string | null, { failed: number; last: number; hosts: Map<string | null, number> }>();
    for (const failure of evidence.failures) {
      if (failure.day < recentStart || failure.day > asOfDay) continue;
      let entry = recentByType.get(failure.resultType);
      if (!entry) {
        entry = { failed: 0, last: failure.day, hosts: new Map() };
        recentByType.set(failure.resultType, entry);
      }
      entry.failed += failure.failed;
      entry.last = Math.max(entry.last, failure.day);
      entry.hosts.set(failure.mx, (entry.hosts.get(failure.mx) ?? 0) + failure.failed);
    }
    for (const { resultType, firstDay } of evidence.resultTypeFirstDays) {
      const recent = recentByType.get(resultType);
      if (!recent || firstDay < recentStart || firstDay > asOfDay) continue;
      const [mainHost] = [...recent.hosts].sort((a, b) => b[1] - a[1])[0] ?? [null];
      const explanation = explainResultType(typeName(resultType));
      const word = policyWord(mainHost, resultType, recent.last);
      findings.push({
        ...base,
        mx: mainHost,
        resultType,
        severity: 'warning',
        code: 'failure-type-new',
        firstSeen: dateOfDay(firstDay),
        lastSeen: dateOfDay(recent.last),
        failedSessions: recent.failed,
        message:
          `A new kind of failure for ${evidence.domain} since ${dateOfDay(firstDay)}: ${typeName(resultType)} (${sessions(recent.failed)}${mainHost === null ? '' : `, mostly at ${mainHost}`}). ${explanation.meaning}` +
          (word === null ? '' : ` ${word.message}`),
        fix: `Something changed around ${dateOfDay(firstDay)}. ${word?.fix ?? explanation.fix}`,
        policyLint: word?.policyLint ?? null,
      });
    }
  }

  // failure-spike: the rate jumped against the domain's own baseline.
  let trend: DomainHealth['trend'] = null;
  if (judged && baselineSessions >= T.minSessions && recentRate !== null && baselineRate !== null) {
    const spiking = recentRate >= baselineRate * T.spikeFactor && recentRate - baselineRate >= T.spikeMinIncrease;
    trend =
      spiking || recentRate - baselineRate >= T.spikeMinIncrease / 2
        ? 'rising'
        : baselineRate - recentRate >= T.spikeMinIncrease / 2
          ? 'falling'
          : 'steady';
    if (spiking) {
      const above = recentDays.filter((day) => {
        const rate = failureRate(day.successful, day.failed);
        return rate !== null && rate - baselineRate >= T.spikeMinIncrease;
      });
      findings.push({
        ...base,
        severity: 'warning',
        code: 'failure-spike',
        firstSeen: above[0] === undefined ? null : dateOfDay(above[0].day),
        lastSeen: above.at(-1) === undefined ? null : dateOfDay(above.at(-1)?.day ?? asOfDay),
        failedSessions: recentFailed,
        message: `${percent(recentRate)} of ${sessions(recentSessions)} to ${evidence.domain} failed in the last ${T.recentDays} days, against ${percent(baselineRate)} in the ${T.baselineDays} days before.${withoutDetailsWords}`,
        fix: 'See which MX host and result type the new failures are on (the domain page), and what changed on the first day.',
      });
    }
  }

  // sender-silent: a sender that reported regularly has stopped (not when the whole domain is silent).
  if (!silent) {
    for (const sender of evidence.senders) {
      const { baselineDays: inBaseline, firstDay, lastDay: last } = sender;
      if (asOfDay - last < T.silentDays || inBaseline === null || firstDay === null) continue;
      if (inBaseline < T.baselineDays * T.regularSenderShare) continue;
      findings.push({
        ...base,
        organization: sender.organization,
        severity: 'warning',
        code: 'sender-silent',
        firstSeen: dateOfDay(firstDay),
        lastSeen: dateOfDay(last),
        failedSessions: null,
        message: `${sender.organization} reported ${evidence.domain} on ${inBaseline} of ${T.baselineDays} days, but not since ${dateOfDay(last)}.`,
        fix: `Its reports may be rejected or filtered on the way to your report mailbox (check spam and size limits), or it no longer sends mail to ${evidence.domain}. Other senders still report, so the _smtp._tls record itself works.`,
      });
    }
  }

  // policy-testing-clean: MTA-STS in testing mode with no failure for weeks.
  const lookbackDays = evidence.days.filter((day) => day.day >= lookbackStart && day.day <= asOfDay);
  const lookbackSessions = sum(lookbackDays, (day) => day.successful + day.failed);
  if (
    evidence.stsMode === 'testing' &&
    !silent &&
    lookbackDays.length >= T.testingCleanMinDays &&
    lookbackSessions >= T.minSessions &&
    lookbackDays.every((day) => day.failed === 0)
  ) {
    const first = lookbackDays[0];
    const last = lookbackDays.at(-1);
    findings.push({
      ...base,
      severity: 'info',
      code: 'policy-testing-clean',
      firstSeen: first === undefined ? null : dateOfDay(first.day),
      lastSeen: last === undefined ? null : dateOfDay(last.day),
      failedSessions: 0,
      message: `${evidence.domain} has published MTA-STS in testing mode, and ${sessions(lookbackSessions)} on ${lookbackDays.length} days show no TLS failure: senders would not refuse any of this mail in enforce mode.`,
      fix: 'Set `mode: enforce` in the policy file, give it a new `id=` in the _mta-sts TXT record, and raise max_age to at least a week (604800); the Policies page checks the result.',
    });
  }

  findings.sort(compareFindings);
  const daily: DomainHealth['daily'] = [];
  const byDay = new Map(evidence.days.map((day) => [day.day, day]));
  for (let day = lookbackStart; day <= asOfDay; day++) {
    const entry = byDay.get(day);
    daily.push({ day: dateOfDay(day), failureRate: entry ? failureRate(entry.successful, entry.failed) : null });
  }
  const verdict = verdictOf(findings, silent, judged ? recentRate : null);
  return {
    domain: evidence.domain,
    verdict: verdict.verdict,
    reason: verdict.reason,
    recentFrom: dateOfDay(recentStart),
    recentTo: dateOfDay(asOfDay),
    recentSuccessful,
    recentFailed,
    recentFailureRate: recentRate,
    baselineFailureRate: baselineRate,
    trend,
    failingMxHosts,
    recentSenders: evidence.senders.filter((sender) => sender.lastDay >= recentStart).length,
    lastReport: evidence.lastReportDay === null ? null : dateOfDay(evidence.lastReportDay),
    stsMode: evidence.stsMode,
    dane: evidence.dane,
    policyTypes: evidence.policyTypes,
    daily,
    findings,
  };
}

const DAY_SECONDS = 86_400;

/**
 * Linter codes left out of a finding's word: a finding about failures is
 * never about a clean testing mode. (`policy-mx-unused` the linter itself
 * never raises from reported hosts: see PolicyContext.mxHostsAreMxRecords.)
 */
const LINT_CODES_NOT_SAID = new Set(['policy-mode-testing-clean']);

interface PolicyWord {
  policyLint: FindingPolicyLint;
  /** Said after the finding's message. */
  message: string;
  /** In place of the result type's general fix, where the policy is the cause. */
  fix: string | null;
}

/**
 * What the policy linter says for a finding about MX host `mx` (null: not
 * named) failing with `resultType` up to `lastDay`: the policy judged is the
 * one senders quoted most recently among those first quoted by that day
 * (senders act on the policy they fetched before; one first quoted later
 * cannot have caused the failures), linted by lintStoredPolicies against the
 * hosts that failed while it was quoted. Null where the result type is not
 * policy-linked or the domain has no MTA-STS (a DANE-only domain's
 * validation-failure says nothing about mx lines).
 */
function policyLinter(
  evidence: DomainEvidence,
  recentStart: number,
  asOfDay: number,
): (mx: string | null, resultType: string | null, lastDay: number) => PolicyWord | null {
  let versions: PolicyVersionLint[] | null = null;
  const lintedVersions = (): PolicyVersionLint[] => {
    versions ??= lintStoredPolicies(
      evidence.domain,
      evidence.stsPolicies.map((quoted) => ({
        policyType: 'sts',
        policyStrings: quoted.policyStrings,
        // Whole days, so that a failure on a day a version was quoted falls within it.
        firstSeen: quoted.firstDay * DAY_SECONDS,
        lastSeen: quoted.lastDay * DAY_SECONDS + DAY_SECONDS - 1,
        reports: quoted.reports,
        successfulSessions: 0,
        failedSessions: quoted.failedSessions,
      })),
      evidence.failures
        .filter((failure) => failure.mx !== null && failure.day >= recentStart && failure.day <= asOfDay)
        .map((failure) => ({
          host: failure.mx ?? '',
          startTime: failure.day * DAY_SECONDS,
          failedSessions: failure.failed,
        })),
    ).versions;
    return versions;
  };
  return (mx, resultType, lastDay) => {
    const link = policyLinkOf(resultType);
    if (link === null) return null;
    if (link === 'mx-coverage' && !evidence.policyTypes.includes('sts') && evidence.stsPolicies.length === 0)
      return null;
    // Newest first (by last quote): the first one quoted by the day is the newest a sender could have acted on.
    const version = lintedVersions().find((candidate) => candidate.firstSeen < (lastDay + 1) * DAY_SECONDS);
    const lint =
      version === undefined ? [] : version.result.findings.filter((entry) => !LINT_CODES_NOT_SAID.has(entry.code));
    const patterns = version?.policy?.mx ?? null;
    const covered = mx === null || patterns === null ? null : mxMatchesAny(mx, patterns);
    const policyLint: FindingPolicyLint = {
      policyStrings: version?.policyStrings ?? null,
      quotedFrom: version === undefined ? null : dateOfDay(Math.floor(version.firstSeen / DAY_SECONDS)),
      quotedTo: version === undefined ? null : dateOfDay(Math.floor(version.lastSeen / DAY_SECONDS)),
      mxPatterns: patterns,
      mxCovered: covered,
      lint,
    };
    const domain = evidence.domain;
    const host = mx ?? 'the MX host';
    const mxLines = patterns === null ? '' : patterns.map((pattern) => `mx: ${pattern}`).join(', ');
    const serious = lint.filter((entry) => entry.severity !== 'info');
    const lintWords = serious.map((entry) => entry.message).join('; ');
    if (version === undefined) {
      return {
        policyLint,
        message:
          link === 'mx-coverage'
            ? `No sender had quoted an MTA-STS policy for ${domain} by ${dateOfDay(lastDay)} (in the ${LOOKBACK_DAYS} days looked at), so the reports cannot tell whether ${host} matches its mx lines: the Policies page checks them online.`
            : `No sender had quoted the policy text in its reports by ${dateOfDay(lastDay)} (in the ${LOOKBACK_DAYS} days looked at; a sender that cannot fetch or read the policy has none to quote): the Policies page fetches it as senders do.`,
        fix: null,
      };
    }
    if (version.policy === null) {
      return {
        policyLint,
        message: `The MTA-STS policy senders quoted (last on ${policyLint.quotedTo}) does not pass the linter: ${lintWords}.`,
        fix: `Fix the policy file at https://mta-sts.${domain}/.well-known/mta-sts.txt: ${serious
          .map((entry) => entry.fix ?? entry.message)
          .join(
            '; ',
          )}; then publish a new id= in the _mta-sts.${domain} TXT record. The Policies page checks the result.`,
      };
    }
    if (link === 'mx-coverage' && covered === false) {
      return {
        policyLint,
        message: `${host} does not match the mx lines of the MTA-STS policy senders quoted (${mxLines}, last on ${policyLint.quotedTo}): the policy is the cause, not the host's certificate.`,
        fix: `Add "mx: ${host}" to the policy file at https://mta-sts.${domain}/.well-known/mta-sts.txt (or correct the mx line meant for it), then publish a new id= in the _mta-sts.${domain} TXT record; if ${host} should not receive mail, take it out of the MX records instead. The Policies page checks the result.`,
      };
    }
    if (link === 'mx-coverage') {
      return {
        policyLint,
        message:
          covered === null
            ? `The senders did not name the MX host, so whether it matches the mx lines of the MTA-STS policy they quoted (${mxLines}) cannot be told.`
            : `${host} matches the mx lines of the MTA-STS policy senders quoted (${mxLines}), so the policy is not the cause.`,
        fix: null,
      };
    }
    return {
      policyLint,
      message:
        serious.length > 0
          ? `The linter on the MTA-STS policy senders quoted (last on ${policyLint.quotedTo}): ${lintWords}.`
          : `The MTA-STS policy senders quoted (last on ${policyLint.quotedTo}) passes the linter, so the fault is in how it is served: the web host, its certificate, its Content-Type or a redirect.`,
      fix:
        serious.length > 0
          ? `Fix what the linter reports (${serious.map((entry) => entry.fix ?? entry.code).join('; ')}), then publish a new id= in the _mta-sts.${domain} TXT record. The Policies page checks the result.`
          : null,
    };
  };
}

/** A finding in a few words, for the verdict's reason in a table row; the message says the rest. */
export function findingSummary(finding: HealthFinding): string {
  const since = finding.firstSeen === null ? '' : ` since ${finding.firstSeen}`;
  switch (finding.code) {
    case 'mx-failing':
      return `${finding.mx ?? 'An unnamed MX host'} fails with ${typeName(finding.resultType)}${since}.`;
    case 'failure-type-new':
      return `New failures: ${typeName(finding.resultType)}${since}.`;
    case 'failure-spike':
      return `More sessions fail than in the weeks before${since}.`;
    case 'sender-silent':
      return `${finding.organization ?? 'A sender'} stopped reporting after ${finding.lastSeen ?? 'its last report'}.`;
    case 'domain-silent':
      return `No report since ${finding.lastSeen ?? 'long ago'}.`;
    case 'feed-silent':
      return `No report at all since ${finding.lastSeen ?? 'long ago'}.`;
    case 'policy-testing-clean':
      return 'MTA-STS in testing mode without failures: ready for enforce.';
  }
}

function verdictOf(
  findings: HealthFinding[],
  silent: boolean,
  judgedRate: number | null,
): { verdict: Verdict; reason: string } {
  const first = findings[0];
  if (silent) {
    const finding = findings.find((entry) => entry.code === 'domain-silent');
    return { verdict: 'silent', reason: finding ? findingSummary(finding) : 'No recent report.' };
  }
  if (first?.severity === 'error') return { verdict: 'failing', reason: findingSummary(first) };
  if (judgedRate !== null && judgedRate >= T.failingRate) {
    return {
      verdict: 'failing',
      reason: `${percent(judgedRate)} of sessions failed in the last ${T.recentDays} days.`,
    };
  }
  if (first?.severity === 'warning') return { verdict: 'degraded', reason: findingSummary(first) };
  if (judgedRate !== null && judgedRate >= T.degradedRate) {
    return {
      verdict: 'degraded',
      reason: `${percent(judgedRate)} of sessions failed in the last ${T.recentDays} days.`,
    };
  }
  return {
    verdict: 'healthy',
    reason:
      judgedRate === null
        ? `Too few sessions in the last ${T.recentDays} days to judge a rate, and no host fails persistently.`
        : `${percent(judgedRate)} of sessions failed in the last ${T.recentDays} days; no MX host fails persistently.`,
  };
}

/**
 * Domains assessed one by one (assessDomain), worst first: by verdict
 * (attentionRank), then by failed sessions in the recent window, then by
 * rate, never by name (the name only settles a tie). The assessments given
 * are left as they are (the backend keeps them per domain and reassesses
 * only the domains new reports name). Every domain silent at once is the
 * feed, not the domains: see shared/health/feed.ts.
 */
export function rankDomains(assessed: readonly DomainHealth[]): DomainHealth[] {
  return [...assessed].sort(compareDomains);
}

/** The order of rankDomains: verdict, then failed sessions, then rate; the name last. */
export function compareDomains(a: DomainHealth, b: DomainHealth): number {
  return (
    attentionRank(a) - attentionRank(b) ||
    b.recentFailed - a.recentFailed ||
    (b.recentFailureRate ?? -1) - (a.recentFailureRate ?? -1) ||
    a.domain.localeCompare(b.domain)
  );
}

/**
 * Worst first: failing, then recently silent, degraded, healthy, and last the
 * domains silent for longer than the lookback (most likely retired, and
 * already raised for weeks).
 */
export function attentionRank(health: Pick<DomainHealth, 'verdict' | 'findings'>): number {
  if (health.verdict === 'silent') {
    return health.findings.some((finding) => finding.code === 'domain-silent' && finding.severity !== 'info') ? 1 : 4;
  }
  return { failing: 0, degraded: 2, healthy: 3 }[health.verdict];
}
