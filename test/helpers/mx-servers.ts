import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { freePort } from './net.js';
import { issueServerCertificate, makeCa } from './test-ca.js';

/**
 * Real MX hosts and real DNSSEC for the live MX check, all on loopback:
 * one smtp-server per certificate case, each on its own 127.0.0.x and one
 * shared high port; Debian's nsd serving a root zone signed with
 * ldns-signzone (so "the root is signed" holds as on the internet) plus an
 * unsigned delegated zone `plain.`; Debian's unbound as the validating
 * resolver with that root's key as its only trust anchor.
 */
export type CertificateCase = 'valid' | 'wildcard-chain' | 'expired' | 'expiring' | 'wrong-name' | 'self-signed';

export interface MxHostCase {
  host: string;
  address: string;
  /** The certificate it presents; null: STARTTLS not offered. Undefined: nothing listens there. */
  certificate?: CertificateCase | null;
  /** TLSA records at _25._tcp.<host>: matching ones are computed from the certificate. */
  tlsa?: ('3 1 1' | '2 0 1' | 'mismatch')[];
  /** The TLSA RRset is changed after signing, so its signature no longer verifies. */
  bogus?: boolean;
}

export interface MxServers {
  /** unbound, validating. */
  resolver: string;
  /** nsd itself, which answers but never validates. */
  authoritative: string;
  smtpPort: number;
  caFile: string;
  ca: string;
  stop(): Promise<void>;
}

function spkiSha256(pem: string): string {
  const spki = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('hex');
}

function certSha256(pem: string): string {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
}

async function waitForDns(server: string, port: number, name: string): Promise<void> {
  const until = Date.now() + 30_000;
  for (;;) {
    try {
      const out = execFileSync(
        'dig',
        ['+short', '+time=1', '+tries=1', '-p', String(port), `@${server}`, name, 'SOA'],
        {
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      ).toString();
      if (out.trim() !== '') return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > until) throw new Error(`no DNS answer from ${server}:${port}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function daemon(command: string, args: string[]): ChildProcess {
  // stdio ignored: a daemon holding the runner's pipes keeps the test run from ending (ENVIRONMENT.md).
  return spawn(command, args, { stdio: 'ignore' });
}

export async function startMxServers(
  hosts: MxHostCase[],
  records: { name: string; type: string; data: string }[],
): Promise<MxServers> {
  const dir = mkdtempSync(join(tmpdir(), 'tlsrpt-mx-'));
  // nsd and unbound read their files from here; mkdtemp makes it 0700.
  chmodSync(dir, 0o755);
  makeCa(dir, 'ca', 'tlsrpt-viewer MX test CA');
  const caPem = readFileSync(join(dir, 'ca.crt'), 'utf8');

  const smtpPort = await freePort();
  const servers: SMTPServer[] = [];
  const zone: string[] = [
    '$TTL 300',
    '. IN SOA ns.test. hostmaster.test. 1 3600 600 86400 300',
    '. IN NS ns.test.',
    'ns.test. IN A 127.0.0.1',
    'plain. IN NS ns.plain.',
    'ns.plain. IN A 127.0.0.1',
  ];
  const plainZone: string[] = [
    '$TTL 300',
    'plain. IN SOA ns.plain. hostmaster.plain. 1 3600 600 86400 300',
    'plain. IN NS ns.plain.',
    'ns.plain. IN A 127.0.0.1',
  ];
  const bogusNames: string[] = [];
  for (const [index, host] of hosts.entries()) {
    const lines = host.host.endsWith('.plain') ? plainZone : zone;
    lines.push(`${host.host}. IN A ${host.address}`);
    if (host.certificate === undefined) continue;
    const name = `host${index}`;
    let key: string | undefined;
    let cert: string | undefined;
    if (host.certificate !== null) {
      const kind = host.certificate;
      if (kind === 'self-signed') {
        // Valid for weeks, so that "self-signed" is its only fault (makeCa's two days would also be "expiring").
        makeCa(dir, name, host.host, 60);
      } else {
        const san =
          kind === 'wrong-name'
            ? 'DNS:mx.somewhere-else.example'
            : kind === 'wildcard-chain'
              ? `DNS:*.${host.host.split('.').slice(1).join('.')}`
              : `DNS:${host.host}`;
        const dates =
          kind === 'expired'
            ? ['-startdate', '20200101000000Z', '-enddate', '20200201000000Z']
            : kind === 'expiring'
              ? ['-days', '5']
              : ['-days', '60'];
        issueServerCertificate(dir, name, san, dates);
      }
      key = readFileSync(join(dir, `${name}.key`), 'utf8');
      const leaf = readFileSync(join(dir, `${name}.crt`), 'utf8');
      // openssl ca writes the text form before the PEM; keep the PEM only.
      const leafPem = leaf.slice(leaf.indexOf('-----BEGIN CERTIFICATE-----'));
      cert = kind === 'wildcard-chain' ? `${leafPem}\n${caPem}` : leafPem;
      for (const tlsa of host.tlsa ?? []) {
        const data = tlsa === '3 1 1' ? spkiSha256(leafPem) : tlsa === '2 0 1' ? certSha256(caPem) : '00'.repeat(32);
        lines.push(`_25._tcp.${host.host}. IN TLSA ${tlsa === 'mismatch' ? '3 1 1' : tlsa} ${data}`);
      }
      if (host.bogus === true) bogusNames.push(`_25._tcp.${host.host}.`);
    }
    const server = new SMTPServer({
      key,
      cert,
      disabledCommands: host.certificate === null ? ['AUTH', 'STARTTLS'] : ['AUTH'],
      disableReverseLookup: true,
      banner: 'tlsrpt-viewer test MX',
      logger: false,
      onData(stream, _session, callback) {
        stream.resume();
        callback(new Error('this test server accepts no mail'));
      },
    });
    server.on('error', () => undefined);
    await new Promise<void>((resolve) => server.listen(smtpPort, host.address, resolve));
    servers.push(server);
  }
  for (const record of records) {
    const lines = record.name.endsWith('.plain') ? plainZone : zone;
    lines.push(`${record.name}. IN ${record.type} ${record.data}`);
  }
  writeFileSync(join(dir, 'root.zone'), `${zone.join('\n')}\n`);
  writeFileSync(join(dir, 'plain.zone'), `${plainZone.join('\n')}\n`);

  const keygen = (ksk: boolean): string =>
    execFileSync('ldns-keygen', ['-a', 'ECDSAP256SHA256', ...(ksk ? ['-k'] : []), '.'], { cwd: dir })
      .toString()
      .trim();
  const ksk = keygen(true);
  const zsk = keygen(false);
  execFileSync('ldns-signzone', ['-o', '.', 'root.zone', ksk, zsk], { cwd: dir, stdio: 'ignore' });
  if (bogusNames.length > 0) {
    // A record changed after signing: its RRSIG now covers other data, as after a hand edit of a signed zone.
    const signed = readFileSync(join(dir, 'root.zone.signed'), 'utf8')
      .split('\n')
      .map((line) => {
        const [owner, , , type] = line.split(/\s+/);
        return owner !== undefined && bogusNames.includes(owner) && type === 'TLSA'
          ? line.replace(/[0-9a-f]{2}$/i, (last) => (last.toLowerCase() === 'ff' ? '00' : 'ff'))
          : line;
      });
    writeFileSync(join(dir, 'root.zone.signed'), signed.join('\n'));
  }

  const nsdPort = await freePort();
  writeFileSync(
    join(dir, 'nsd.conf'),
    [
      'server:',
      `  ip-address: 127.0.0.1@${nsdPort}`,
      `  port: ${nsdPort}`,
      '  username: ""',
      '  chroot: ""',
      `  zonesdir: "${dir}"`,
      '  database: ""',
      `  pidfile: "${dir}/nsd.pid"`,
      `  xfrdfile: "${dir}/xfrd.state"`,
      `  zonelistfile: "${dir}/zone.list"`,
      `  logfile: "${dir}/nsd.log"`,
      '  server-count: 1',
      '  do-ip6: no',
      'remote-control:',
      '  control-enable: no',
      'zone:',
      '  name: "."',
      `  zonefile: "${dir}/root.zone.signed"`,
      'zone:',
      '  name: "plain."',
      `  zonefile: "${dir}/plain.zone"`,
      '',
    ].join('\n'),
  );
  const nsd = daemon('nsd', ['-d', '-c', join(dir, 'nsd.conf')]);
  await waitForDns('127.0.0.1', nsdPort, '.');

  const unboundPort = await freePort();
  writeFileSync(
    join(dir, 'unbound.conf'),
    [
      'server:',
      '  interface: 127.0.0.1',
      `  port: ${unboundPort}`,
      '  do-ip6: no',
      // The authoritative server is on loopback, which unbound refuses to ask by default.
      '  do-not-query-localhost: no',
      '  username: ""',
      '  chroot: ""',
      `  directory: "${dir}"`,
      `  pidfile: "${dir}/unbound.pid"`,
      '  use-syslog: no',
      `  logfile: "${dir}/unbound.log"`,
      `  trust-anchor-file: "${dir}/${ksk}.key"`,
      '  access-control: 127.0.0.0/8 allow',
      '  module-config: "validator iterator"',
      // test. is special-use (RFC 6761): unbound answers NXDOMAIN for it unless told not to.
      '  local-zone: "test." nodefault',
      'stub-zone:',
      '  name: "."',
      `  stub-addr: 127.0.0.1@${nsdPort}`,
      'stub-zone:',
      '  name: "plain."',
      `  stub-addr: 127.0.0.1@${nsdPort}`,
      'remote-control:',
      '  control-enable: no',
      '',
    ].join('\n'),
  );
  const unbound = daemon('unbound', ['-d', '-c', join(dir, 'unbound.conf')]);
  await waitForDns('127.0.0.1', unboundPort, '.');

  return {
    resolver: `127.0.0.1:${unboundPort}`,
    authoritative: `127.0.0.1:${nsdPort}`,
    smtpPort,
    caFile: join(dir, 'ca.crt'),
    ca: caPem,
    async stop() {
      for (const child of [unbound, nsd]) {
        if (child.exitCode === null) {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGTERM');
          await exited;
        }
      }
      await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
