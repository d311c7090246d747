import { normalizeDomainName } from '../../../shared/report/host-names.js';
import { existsSync, readFileSync } from 'node:fs';
import type { Finding, LintResult } from '../../../shared/policy/findings.js';
import { lintResult } from '../../../shared/policy/findings.js';
import { lintText, type TextKind } from '../../../shared/policy/lint.js';
import { lintStoredPolicies } from '../../../shared/policy/report-lint.js';
import { formatUtcDate } from '../../../shared/report/datetime.js';
import { openDatabaseToRead } from '../../backend/db/database.js';
import { mxHostsInFailures, reportedPolicyVersions } from '../../backend/db/policy-queries.js';
import { resolveDatabasePath } from '../../backend/paths.js';
import { lintDomainOnline } from '../../backend/policy/online-lint.js';
import type { MxHostCheck } from '../../../shared/policy/mx-check.js';
import { printable } from '../text.js';
import { EXIT_OK, EXIT_SOME_REJECTED, UsageError, parseCommandArgs, stringOption } from '../usage.js';

function printFindings(findings: readonly Finding[], out: NodeJS.WritableStream, indent = ''): void {
  if (findings.length === 0) {
    out.write(`${indent}no findings\n`);
    return;
  }
  for (const finding of findings) {
    out.write(
      `${indent}${finding.severity.padEnd(7)} ${finding.code}: ${printable(finding.message)} (${finding.rfc})\n`,
    );
    if (finding.fix) out.write(`${indent}        fix: ${printable(finding.fix)}\n`);
  }
}

/** Exit status 1 when anything is an error, as for a rejected import. */
function statusOf(result: LintResult): number {
  return result.valid ? EXIT_OK : EXIT_SOME_REJECTED;
}

/** Hosts that failure details named, from the database when there is one: the live check looks at them too. */
function reportedMxHosts(dbOption: string | undefined, domain: string): string[] {
  const path = resolveDatabasePath(dbOption);
  if (!existsSync(path)) return [];
  const db = openDatabaseToRead(path);
  try {
    return [...new Set(mxHostsInFailures(db, domain).map((row) => row.host))];
  } finally {
    db.close();
  }
}

function describeMxCheck(check: MxHostCheck): string {
  const where = `MX ${check.host}${check.preference === null ? ' (from reports)' : ` (${check.preference})`}`;
  if (check.starttls === null) return `${where}: not checked: ${check.error ?? ''}`;
  if (!check.starttls) return `${where}: no STARTTLS; ${check.addresses.join(', ')}`;
  const cert = check.certificate;
  const tlsa = check.tlsa;
  return [
    `${where}: ${check.tlsVersion ?? 'TLS'} ${check.cipher ?? ''}`,
    cert
      ? `certificate ${cert.sans.join(' ') || cert.subject}, until ${cert.notAfter.slice(0, 10)}, ${cert.chainValid ? 'trusted' : `untrusted (${cert.chainError ?? ''})`}`
      : 'no certificate',
    tlsa
      ? `TLSA ${tlsa.records.length} (DNSSEC ${tlsa.dnssec}${tlsa.matched === null ? '' : tlsa.matched ? ', matches' : ', no match'})`
      : 'TLSA not looked up',
  ].join('; ');
}

export async function runLint(args: string[], out: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    db: { type: 'string' },
    json: { type: 'boolean' },
    online: { type: 'boolean' },
    'dns-server': { type: 'string', multiple: true },
    ca: { type: 'string' },
    // For tests that serve policies on a high loopback port; real policy hosts listen on 443.
    'https-port': { type: 'string' },
    // The MX hosts' live check is part of --online; --no-mx leaves port 25 alone.
    'no-mx': { type: 'boolean' },
    // For tests whose SMTP servers listen on a high loopback port; real MX hosts listen on 25.
    'smtp-port': { type: 'string' },
    policy: { type: 'string' },
    'sts-record': { type: 'string' },
    'tlsrpt-record': { type: 'string' },
  });
  const asJson = values['json'] === true;
  const texts: [TextKind, string | undefined][] = [
    ['policy', stringOption(values, 'policy')],
    ['sts-record', stringOption(values, 'sts-record')],
    ['tlsrpt-record', stringOption(values, 'tlsrpt-record')],
  ];
  const given = texts.filter(([, value]) => value !== undefined);
  if (given.length + positionals.length !== 1) {
    throw new UsageError('name one DOMAIN, or one of --policy FILE, --sts-record TEXT, --tlsrpt-record TEXT');
  }

  const [kind, value] = given[0] ?? [];
  if (kind !== undefined && value !== undefined) {
    let text = value;
    if (kind === 'policy') {
      try {
        text = readFileSync(value, 'utf8');
      } catch (error) {
        throw new UsageError(
          `cannot read the policy file ${value}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
        );
      }
    }
    const result = lintText(text, kind);
    if (asJson) out.write(`${JSON.stringify({ valid: result.valid, findings: result.findings })}\n`);
    else printFindings(result.findings, out);
    return statusOf(result);
  }

  const domain = normalizeDomainName(positionals[0] ?? '');
  if (values['online'] === true) {
    const dnsServers = values['dns-server'];
    const portText = stringOption(values, 'https-port');
    const smtpPortText = stringOption(values, 'smtp-port');
    const smtpPort = smtpPortText === undefined ? undefined : Number(smtpPortText);
    if (smtpPort !== undefined && !(Number.isInteger(smtpPort) && smtpPort > 0 && smtpPort < 65_536)) {
      throw new UsageError(`--smtp-port must be a port number, not ${smtpPortText ?? ''}`);
    }
    const mxCheck = values['no-mx'] !== true;
    const report = await lintDomainOnline(domain, {
      dnsServers: Array.isArray(dnsServers)
        ? dnsServers.filter((server): server is string => typeof server === 'string')
        : [],
      caFile: stringOption(values, 'ca') ?? null,
      httpsPort: portText === undefined ? 443 : Number(portText),
      mxCheck,
      smtpPort,
      reportedMxHosts: mxCheck ? reportedMxHosts(stringOption(values, 'db'), domain) : [],
    });
    if (asJson) {
      const { mxChecks, ...rest } = report;
      const notChecked = (host: string): MxHostCheck => ({
        host,
        preference: null,
        addresses: [],
        starttls: null,
        tlsVersion: null,
        cipher: null,
        certificate: null,
        inPolicy: null,
        tlsa: null,
        error: 'not checked (--no-mx)',
      });
      // One list of MX hosts in the output: what the live check saw at each, or that it did not look.
      out.write(`${JSON.stringify({ ...rest, mxHosts: mxChecks ?? report.mxHosts.map(notChecked) })}\n`);
    } else {
      if (report.dnsUnreachable === null) {
        out.write(`${domain}: MX ${report.mxHosts.join(', ') || '(none)'}\n`);
        out.write(`  _mta-sts: ${report.stsRecords.map(printable).join(' | ') || '(none)'}\n`);
        out.write(`  _smtp._tls: ${report.tlsrptRecords.map(printable).join(' | ') || '(none)'}\n`);
        out.write(`  ${report.policyUrl}: ${report.policyText === null ? 'not fetched' : 'fetched'}\n`);
        for (const check of report.mxChecks ?? []) out.write(`  ${printable(describeMxCheck(check))}\n`);
        out.write('\n');
      } else {
        // Empty lists would read as "nothing published"; nothing was looked up.
        out.write(`${domain}: not checked, DNS could not be reached\n\n`);
      }
      printFindings(report.findings, out);
    }
    return statusOf(report);
  }
  const path = resolveDatabasePath(stringOption(values, 'db'));
  if (!existsSync(path)) throw new UsageError(`no database at ${path}; import reports first with "tlsrpt import"`);
  const db = openDatabaseToRead(path);
  try {
    const stored = lintStoredPolicies(domain, reportedPolicyVersions(db, domain), mxHostsInFailures(db, domain));
    const findings = stored.current?.findings ?? [];
    const result = lintResult(findings);
    if (asJson) {
      out.write(
        `${JSON.stringify({ valid: result.valid, findings, domain, mxHostsNote: stored.mxHostsNote, versions: stored.versions, mxCoverage: stored.mxCoverage })}\n`,
      );
      return statusOf(result);
    }
    if (stored.versions.length === 0) {
      out.write(`no MTA-STS policy of ${domain} is quoted in the stored reports\n`);
      return EXIT_OK;
    }
    out.write(`MTA-STS policies of ${domain} as senders saw them:\n`);
    out.write(`${stored.mxHostsNote}\n`);
    for (const version of stored.versions) {
      const mode = version.policy
        ? `mode ${version.policy.mode}, max_age ${version.policy.maxAge}, mx ${version.policy.mx.join(' ')}`
        : 'not a valid policy';
      out.write(
        `\n  ${formatUtcDate(version.firstSeen)} – ${formatUtcDate(version.lastSeen)} (${version.reports} reports): ${printable(mode)}\n`,
      );
      printFindings(version.result.findings, out, '    ');
    }
    if (stored.mxCoverage.length > 0) {
      out.write('\nMX hosts named in failure details:\n');
      for (const entry of stored.mxCoverage) {
        const covered =
          entry.covered === null
            ? 'no valid policy to check against'
            : entry.covered
              ? 'covered by the policy'
              : 'NOT covered by the policy';
        out.write(`  ${printable(entry.host)}: ${entry.failedSessions} failed sessions, ${covered}\n`);
      }
    }
    return statusOf(result);
  } finally {
    db.close();
  }
}
