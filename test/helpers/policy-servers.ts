import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { freePort } from './net.js';
import { issueServerCertificate, makeCa } from './test-ca.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';

/**
 * Real DNS and HTTPS for the online policy check: Debian's dnsmasq on
 * loopback (a high port) serving test zones from --txt-record, --mx-host and
 * --address, and a Node HTTPS server on loopback whose certificates come
 * from a test CA made here with openssl, one per policy host (SNI).
 */
export interface PolicyDomain {
  name: string;
  sts?: string;
  tlsrpt?: string;
  mx?: string[];
  /** What mta-sts.<name> answers. */
  policy?: { status: number; contentType?: string; body?: string; location?: string; trickle?: boolean };
  certificate?: 'valid' | 'expired' | 'wrong-name';
}

export interface PolicyServers {
  dnsServer: string;
  httpsPort: number;
  caFile: string;
  stop(): Promise<void>;
}

function certificateFor(dir: string, name: string, san: string, dates: string[]): SecureContext {
  issueServerCertificate(dir, name, `DNS:${san}`, dates);
  return createSecureContext({
    key: readFileSync(join(dir, `${name}.key`)),
    cert: readFileSync(join(dir, `${name}.crt`)),
  });
}

export async function startPolicyServers(domains: PolicyDomain[]): Promise<PolicyServers> {
  const dir = mkdtempSync(join(tmpdir(), 'tlsrpt-policy-'));
  makeCa(dir, 'ca', 'tlsrpt-viewer policy test CA');

  const contexts = new Map<string, SecureContext>();
  for (const domain of domains) {
    const host = `mta-sts.${domain.name}`;
    const kind = domain.certificate ?? 'valid';
    const dates =
      kind === 'expired' ? ['-startdate', '20200101000000Z', '-enddate', '20200201000000Z'] : ['-days', '2'];
    contexts.set(
      host,
      certificateFor(dir, domain.name, kind === 'wrong-name' ? `mta-sts.somewhere-else.test` : host, dates),
    );
  }

  const server: Server = createServer(
    {
      SNICallback: (servername, callback) => {
        callback(null, contexts.get(servername.toLowerCase()));
      },
    },
    (request, response) => {
      const host = (request.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
      const domain = domains.find((candidate) => `mta-sts.${candidate.name}` === host);
      const policy = domain?.policy;
      if (!policy || request.url !== '/.well-known/mta-sts.txt') {
        response.writeHead(404).end('not found');
        return;
      }
      const headers: Record<string, string> = {};
      if (policy.contentType !== undefined) headers['Content-Type'] = policy.contentType;
      if (policy.location !== undefined) headers['Location'] = policy.location;
      if (policy.trickle === true) {
        // A byte a second, never ending: only an overall deadline ends the fetch.
        response.writeHead(policy.status, headers);
        const timer = setInterval(() => response.write('v'), 1000);
        response.on('close', () => clearInterval(timer));
        return;
      }
      response.writeHead(policy.status, headers).end(policy.body ?? '');
    },
  );
  const httpsPort = await freePort();
  await new Promise<void>((resolve) => server.listen(httpsPort, '127.0.0.1', resolve));

  const dnsPort = await freePort();
  const args = [
    '--keep-in-foreground',
    '--no-resolv',
    '--no-hosts',
    '--no-poll',
    '--conf-file=/dev/null',
    `--pid-file=${join(dir, 'dnsmasq.pid')}`,
    `--port=${dnsPort}`,
    '--listen-address=127.0.0.1',
    '--bind-interfaces',
    // Answer for the whole test zone, as its authoritative server would: unknown names are NXDOMAIN, not REFUSED.
    '--local=/test/',
  ];
  if (process.getuid?.() !== 0) args.push(`--user=${execFileSync('id', ['-un']).toString().trim()}`);
  for (const domain of domains) {
    if (domain.sts) args.push(`--txt-record=_mta-sts.${domain.name},${domain.sts}`);
    if (domain.tlsrpt) args.push(`--txt-record=_smtp._tls.${domain.name},${domain.tlsrpt}`);
    (domain.mx ?? []).forEach((host, index) => args.push(`--mx-host=${domain.name},${host},${10 * (index + 1)}`));
    args.push(`--address=/mta-sts.${domain.name}/127.0.0.1`);
  }
  const dnsmasq: ChildProcess = spawn('dnsmasq', args, { stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 500));
  if (dnsmasq.exitCode !== null) throw new Error(`dnsmasq exited with ${dnsmasq.exitCode}`);

  return {
    dnsServer: `127.0.0.1:${dnsPort}`,
    httpsPort,
    caFile: join(dir, 'ca.crt'),
    async stop() {
      const exited = new Promise((resolve) => dnsmasq.once('exit', resolve));
      dnsmasq.kill('SIGTERM');
      await exited;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
