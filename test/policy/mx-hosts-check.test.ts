import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rootCertificates } from 'node:tls';
import { checkMxHostNow, checkMxHosts, type MxHostsReport } from '../../electron/backend/policy/mx-hosts-check.js';
import { MX_FINDING_CODES } from '../../shared/policy/mx-check.js';
import type { MtaStsPolicy } from '../../shared/policy/mta-sts-policy.js';
import { startMxServers, type MxHostCase, type MxServers } from '../helpers/mx-servers.js';

const HOSTS: MxHostCase[] = [
  { host: 'mx1.good.test', address: '127.0.0.11', certificate: 'valid', tlsa: ['3 1 1'] },
  { host: 'mx2.good.test', address: '127.0.0.12', certificate: 'wildcard-chain', tlsa: ['2 0 1'] },
  { host: 'expired.bad.test', address: '127.0.0.13', certificate: 'expired' },
  { host: 'expiring.bad.test', address: '127.0.0.14', certificate: 'expiring' },
  { host: 'wrong-name.bad.test', address: '127.0.0.15', certificate: 'wrong-name' },
  { host: 'self-signed.bad.test', address: '127.0.0.16', certificate: 'self-signed' },
  { host: 'no-starttls.bad.test', address: '127.0.0.17', certificate: null },
  { host: 'tlsa-mismatch.bad.test', address: '127.0.0.18', certificate: 'valid', tlsa: ['mismatch'] },
  { host: 'tlsa-bogus.bad.test', address: '127.0.0.19', certificate: 'valid', tlsa: ['3 1 1'], bogus: true },
  { host: 'mx.plain', address: '127.0.0.20', certificate: 'valid', tlsa: ['3 1 1'] },
  // An address with nothing listening: connection refused.
  { host: 'down.bad.test', address: '127.0.0.21' },
];

const policy = (domain: string): MtaStsPolicy => ({
  mode: 'enforce',
  maxAge: 604_800,
  mx: [`*.${domain}`],
  extensions: {},
});

let servers: MxServers;
let good: MxHostsReport;
let bad: MxHostsReport;

const deadline = (): AbortSignal => AbortSignal.timeout(60_000);

beforeAll(async () => {
  servers = await startMxServers(HOSTS, [
    { name: 'good.test', type: 'MX', data: '10 mx1.good.test.' },
    { name: 'good.test', type: 'MX', data: '20 mx2.good.test.' },
    ...HOSTS.filter((host) => host.host.endsWith('.bad.test') || host.host === 'mx.plain').map((host, index) => ({
      name: 'bad.test',
      type: 'MX',
      data: `${10 * (index + 1)} ${host.host}.`,
    })),
  ]);
  const options = {
    dnsServers: [servers.resolver],
    ca: [...rootCertificates, servers.ca],
    smtpPort: servers.smtpPort,
    allowPrivateAddresses: true,
  };
  [good, bad] = await Promise.all([
    checkMxHosts('good.test', { policy: policy('good.test') }, options, deadline()),
    checkMxHosts('bad.test', { policy: policy('bad.test'), reportedHosts: ['gone.bad.test'] }, options, deadline()),
  ]);
}, 120_000);

afterAll(async () => {
  await servers.stop();
});

const codesOf = (report: MxHostsReport, host: string): string[] =>
  report.findings
    .filter((finding) => finding.mx === host)
    .map((finding) => finding.code)
    .sort();

describe('the live check of MX hosts against real SMTP servers and DNSSEC', () => {
  it('finds nothing wrong with good hosts: 3 1 1 and 2 0 1 match, DNSSEC secure', () => {
    expect(good.findings).toEqual([]);
    expect(good.mxDnssec).toBe('secure');
    const [mx1, mx2] = good.mxChecks;
    expect(mx1).toMatchObject({
      host: 'mx1.good.test',
      preference: 10,
      starttls: true,
      inPolicy: true,
      error: null,
      certificate: { chainValid: true, namesMatch: true, sans: ['mx1.good.test'] },
      tlsa: { dnssec: 'secure', matched: true },
    });
    expect(mx1?.tlsVersion).toMatch(/^TLSv1\.[23]$/);
    expect(mx1?.certificate?.spkiSha256).toBe(mx1?.tlsa?.records[0]?.data);
    expect(mx1?.addresses).toEqual([`127.0.0.11:${servers.smtpPort}: STARTTLS, ${mx1?.tlsVersion ?? ''}`]);
    expect(mx2).toMatchObject({
      host: 'mx2.good.test',
      preference: 20,
      certificate: { namesMatch: true, sans: ['*.good.test'] },
      tlsa: { dnssec: 'secure', matched: true, records: [{ usage: 2, selector: 0, matchingType: 1, matches: true }] },
    });
  });

  it.each([
    ['expired.bad.test', ['mx-certificate-expired']],
    ['expiring.bad.test', ['mx-certificate-expiring']],
    ['wrong-name.bad.test', ['mx-certificate-host-mismatch']],
    ['self-signed.bad.test', ['mx-certificate-untrusted']],
    ['no-starttls.bad.test', ['mx-starttls-missing']],
    ['tlsa-mismatch.bad.test', ['mx-tlsa-mismatch']],
    ['tlsa-bogus.bad.test', ['mx-dnssec-bogus']],
    ['mx.plain', ['mx-not-in-policy', 'mx-tlsa-without-dnssec']],
    ['down.bad.test', ['mx-unreachable']],
  ])('%s: %s', (host, codes) => {
    expect(codesOf(bad, host)).toEqual(codes);
  });

  it('produces every finding code somewhere, with an error where enforcing senders refuse', () => {
    const seen = new Set(bad.findings.map((finding) => finding.code));
    expect(MX_FINDING_CODES.filter((code) => code !== 'mx-dnssec-unknown' && !seen.has(code))).toEqual([]);
    const severity = (code: string) => bad.findings.find((finding) => finding.code === code)?.severity;
    expect(severity('mx-certificate-expired')).toBe('error');
    expect(severity('mx-tlsa-mismatch')).toBe('error');
    expect(severity('mx-unreachable')).toBe('warning');
  });

  it('reads the presented chain and says what went wrong with it', () => {
    const expired = bad.mxChecks.find((check) => check.host === 'expired.bad.test');
    expect(expired?.certificate).toMatchObject({ chainValid: false, chainError: 'CERT_HAS_EXPIRED' });
    expect(expired?.certificate?.notAfter).toBe('2020-02-01T00:00:00.000Z');
    const selfSigned = bad.mxChecks.find((check) => check.host === 'self-signed.bad.test');
    expect(selfSigned?.certificate?.chainError).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    const noTls = bad.mxChecks.find((check) => check.host === 'no-starttls.bad.test');
    expect(noTls).toMatchObject({ starttls: false, certificate: null, error: null });
  });

  it('checks a host named only by failure details, and says which addresses were tried', () => {
    const gone = bad.mxChecks.find((check) => check.host === 'gone.bad.test');
    expect(gone).toMatchObject({ preference: null, starttls: null });
    expect(gone?.error).toMatch(/no A or AAAA record/);
    const down = bad.mxChecks.find((check) => check.host === 'down.bad.test');
    expect(down?.addresses[0]).toMatch(new RegExp(`^127\\.0\\.0\\.21:${servers.smtpPort}: ECONNREFUSED`));
  });

  it('never connects to a loopback address unless told to', async () => {
    const report = await checkMxHosts(
      'good.test',
      { policy: null },
      { dnsServers: [servers.resolver], smtpPort: servers.smtpPort },
      deadline(),
    );
    expect(report.mxChecks[0]?.addresses[0]).toMatch(/^127\.0\.0\.11: not tried \(a private, loopback/);
    expect(report.mxChecks[0]?.starttls).toBeNull();
    expect(report.findings.map((finding) => finding.code)).toContain('mx-unreachable');
  });

  it('says "unknown", not "insecure", when the resolver does not validate', async () => {
    const { check, findings } = await checkMxHostNow('mx1.good.test', {
      dnsServers: [servers.authoritative],
      ca: [...rootCertificates, servers.ca],
      smtpPort: servers.smtpPort,
      allowPrivateAddresses: true,
    });
    expect(check.tlsa?.dnssec).toBe('unknown');
    expect(findings.map((finding) => finding.code)).toEqual(['mx-dnssec-unknown']);
  });

  it('runs from the command line: tlsrpt lint DOMAIN --online, --json with mxHosts and each finding with mx', async () => {
    const { runCliAsync, parseJsonOutput } = await import('../helpers/cli.js');
    const args = (domain: string, ...more: string[]) => [
      'lint',
      domain,
      '--online',
      '--dns-server',
      servers.resolver,
      '--ca',
      servers.caFile,
      '--smtp-port',
      String(servers.smtpPort),
      ...more,
    ];
    const json = await runCliAsync(args('bad.test', '--json'));
    expect(json.status).toBe(1);
    const report = parseJsonOutput<{
      mxHosts: { host: string; preference: number | null; certificate: { notAfter: string } | null }[];
      findings: { code: string; mx?: string }[];
      mxDnssec: string;
    }>(json);
    expect(report.mxDnssec).toBe('secure');
    expect(report.mxHosts.map((host) => host.host)).toEqual(
      HOSTS.filter((host) => host.host.endsWith('.bad.test') || host.host === 'mx.plain').map((host) => host.host),
    );
    expect(report.mxHosts[0]).toMatchObject({
      host: 'expired.bad.test',
      preference: 10,
      starttls: true,
      certificate: { notAfter: '2020-02-01T00:00:00.000Z', chainValid: false },
      tlsa: { dnssec: 'secure', records: [], matched: null },
      inPolicy: null,
    });
    expect(report.findings).toContainEqual(
      expect.objectContaining({ code: 'mx-certificate-expired', mx: 'expired.bad.test' }),
    );
    const text = await runCliAsync(args('good.test'));
    expect(text.stdout).toMatch(/MX mx1\.good\.test \(10\): TLSv1\.[23] .*DNSSEC secure, matches/);
    const skipped = await runCliAsync(args('good.test', '--no-mx', '--json'));
    expect(JSON.stringify(parseJsonOutput(skipped))).not.toContain('"code":"mx-');
  });
});
