import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lintDomainOnline, type OnlineLintReport } from '../../electron/backend/policy/online-lint.js';
import { startPolicyServers, type PolicyServers } from '../helpers/policy-servers.js';
import { freePort } from '../helpers/net.js';

const POLICY = 'version: STSv1\r\nmode: enforce\r\nmx: mx1.good.test\r\nmx: mx2.good.test\r\nmax_age: 1209600\r\n';
const record = (name: string) => ({
  sts: 'v=STSv1; id=20260101000000',
  tlsrpt: `v=TLSRPTv1; rua=mailto:tlsrpt@${name}`,
  mx: [`mx1.${name}`, `mx2.${name}`],
});
const policyFor = (name: string) => POLICY.replace(/good\.test/g, name);

let servers: PolicyServers;

beforeAll(async () => {
  servers = await startPolicyServers([
    {
      name: 'good.test',
      ...record('good.test'),
      policy: { status: 200, contentType: 'text/plain; charset=utf-8', body: policyFor('good.test') },
    },
    {
      name: 'redirect.test',
      ...record('redirect.test'),
      policy: { status: 301, location: 'https://www.redirect.test/mta-sts.txt' },
    },
    {
      name: 'html.test',
      ...record('html.test'),
      policy: { status: 200, contentType: 'text/html', body: policyFor('html.test') },
    },
    {
      name: 'expired.test',
      ...record('expired.test'),
      certificate: 'expired',
      policy: { status: 200, contentType: 'text/plain', body: policyFor('expired.test') },
    },
    {
      name: 'wrongname.test',
      ...record('wrongname.test'),
      certificate: 'wrong-name',
      policy: { status: 200, contentType: 'text/plain', body: policyFor('wrongname.test') },
    },
    { name: 'missing.test', ...record('missing.test'), policy: { status: 404 } },
    {
      name: 'uncovered.test',
      ...record('uncovered.test'),
      mx: ['mx1.uncovered.test', 'backup.elsewhere.test'],
      policy: { status: 200, contentType: 'text/plain', body: policyFor('uncovered.test') },
    },
    {
      name: 'noreports.test',
      sts: 'v=STSv1; id=1',
      mx: ['mx1.noreports.test', 'mx2.noreports.test'],
      policy: { status: 200, contentType: 'text/plain', body: policyFor('noreports.test') },
    },
  ]);
}, 60_000);

afterAll(async () => {
  await servers.stop();
});

async function check(domain: string): Promise<OnlineLintReport> {
  return lintDomainOnline(domain, {
    dnsServers: [servers.dnsServer],
    caFile: servers.caFile,
    httpsPort: servers.httpsPort,
    timeoutMs: 5000,
  });
}

const errorCodes = (report: OnlineLintReport): string[] =>
  report.findings.filter((finding) => finding.severity === 'error').map((finding) => finding.code);

describe('online policy check against real DNS (dnsmasq) and HTTPS', () => {
  it('finds a good domain good', async () => {
    const report = await check('good.test');
    expect(report).toMatchObject({
      valid: true,
      stsRecords: ['v=STSv1; id=20260101000000'],
      tlsrptRecords: ['v=TLSRPTv1; rua=mailto:tlsrpt@good.test'],
      mxHosts: ['mx1.good.test', 'mx2.good.test'],
      policyText: policyFor('good.test'),
    });
    expect(report.findings).toEqual([]);
  });

  it('reports a redirect instead of following it', async () => {
    const report = await check('redirect.test');
    expect(errorCodes(report)).toEqual(['policy-fetch-redirect']);
    expect(report.findings[0]?.message).toContain('301');
  });

  it('refuses a policy served as text/html', async () => {
    expect(errorCodes(await check('html.test'))).toEqual(['policy-content-type']);
  });

  it('refuses an expired certificate and one for another name', async () => {
    expect(errorCodes(await check('expired.test'))).toEqual(['policy-certificate-expired']);
    expect(errorCodes(await check('wrongname.test'))).toEqual(['policy-certificate-name']);
  });

  it('says when the policy is missing', async () => {
    const report = await check('missing.test');
    expect(errorCodes(report)).toEqual(['policy-fetch-status']);
    expect(report.findings[0]?.message).toContain('HTTP 404');
  });

  it('finds MX hosts the policy does not cover, and patterns for no MX host', async () => {
    const report = await check('uncovered.test');
    expect(report.findings.map((finding) => [finding.severity, finding.code])).toEqual([
      ['warning', 'policy-mx-unused'],
      ['error', 'policy-mx-uncovered'],
    ]);
    expect(report.findings[1]?.message).toContain('backup.elsewhere.test');
  });

  it('warns about MTA-STS without TLS-RPT', async () => {
    const report = await check('noreports.test');
    expect(report.findings.map((finding) => finding.code)).toEqual(['tlsrpt-missing']);
  });

  it('finds nothing where nothing is published', async () => {
    const report = await check('nothing.test');
    expect(report).toMatchObject({ stsRecords: [], tlsrptRecords: [], mxHosts: [], policyText: null });
    expect(errorCodes(report)).toEqual(['policy-host-missing']);
  });
});

describe('online policy check when DNS itself cannot be reached', () => {
  it('says so for a closed DNS port on loopback, instead of "(none)" and "does not resolve"', async () => {
    const port = await freePort();
    const report = await lintDomainOnline('good.test', {
      dnsServers: [`127.0.0.1:${port}`],
      caFile: servers.caFile,
      httpsPort: servers.httpsPort,
      timeoutMs: 5000,
    });
    expect(report.dnsUnreachable).toContain('ECONNREFUSED');
    expect(report.dnsUnreachable).toContain(`127.0.0.1:${port}`);
    expect(report.findings.map((finding) => finding.code)).toEqual(['dns-unreachable']);
    expect(report.findings[0]?.message).toMatch(/^DNS could not be reached/);
    expect(report.valid).toBe(false);
  });

  it("says so for a DNS server that never answers, within the check's deadline", async () => {
    const silent = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    try {
      const started = Date.now();
      const report = await lintDomainOnline('good.test', {
        dnsServers: [`127.0.0.1:${silent.address().port}`],
        timeoutMs: 1500,
      });
      // The deadline, not 2 tries of 5 s per lookup, bounds it.
      expect(Date.now() - started).toBeLessThan(5000);
      expect(report.dnsUnreachable).toContain('ETIMEOUT');
      expect(report.findings.map((finding) => finding.code)).toEqual(['dns-unreachable']);
    } finally {
      silent.close();
    }
  });

  it('still answers "no such record" where a server answers that', async () => {
    expect((await check('nothing.test')).dnsUnreachable).toBeNull();
  });
});

describe('tlsrpt lint --online', () => {
  it('checks a domain from the command line, exit status 1 on errors', async () => {
    const { runCliAsync, parseJsonOutput } = await import('../helpers/cli.js');
    const args = (domain: string) => [
      'lint',
      domain,
      '--online',
      '--dns-server',
      servers.dnsServer,
      '--ca',
      servers.caFile,
      '--https-port',
      String(servers.httpsPort),
      // The policy part only: the MX hosts' live check has its own tests (mx-hosts-check.test.ts).
      '--no-mx',
      '--json',
    ];
    const good = await runCliAsync(args('good.test'));
    expect(good.status).toBe(0);
    expect(parseJsonOutput(good)).toMatchObject({
      valid: true,
      findings: [],
      mxHosts: [
        { host: 'mx1.good.test', starttls: null, error: 'not checked (--no-mx)' },
        { host: 'mx2.good.test', starttls: null, error: 'not checked (--no-mx)' },
      ],
    });
    const redirect = await runCliAsync(args('redirect.test'));
    expect(redirect.status).toBe(1);
    expect(parseJsonOutput(redirect)).toMatchObject({
      valid: false,
      findings: [{ severity: 'error', code: 'policy-fetch-redirect', rfc: 'RFC 8461 §3.3' }],
    });
  });
});
