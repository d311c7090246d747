import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lintDomainOnline } from '../../electron/backend/policy/online-lint.js';
import { startPolicyServers, type PolicyServers } from '../helpers/policy-servers.js';

let servers: PolicyServers;
/** A DNS server that reads every query and never answers. */
let silent: Socket;
let silentPort = 0;

beforeAll(async () => {
  servers = await startPolicyServers([
    {
      name: 'trickle.test',
      sts: 'v=STSv1; id=1',
      tlsrpt: 'v=TLSRPTv1; rua=mailto:tlsrpt@trickle.test',
      mx: ['mx1.trickle.test'],
      policy: { status: 200, contentType: 'text/plain', trickle: true },
    },
  ]);
  silent = createSocket('udp4');
  await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
  silentPort = silent.address().port;
}, 60_000);

afterAll(async () => {
  await servers.stop();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
});

describe('the online check has one deadline', () => {
  it('ends a policy fetch that trickles a byte a second at the deadline', async () => {
    const started = Date.now();
    const result = await lintDomainOnline('trickle.test', {
      dnsServers: [servers.dnsServer],
      httpsPort: servers.httpsPort,
      caFile: servers.caFile,
      timeoutMs: 3000,
    });
    const took = Date.now() - started;
    // Before: never ended (the socket timeout fires only when nothing arrives).
    expect(took).toBeLessThan(6000);
    expect(took).toBeGreaterThanOrEqual(2900);
    expect(result.stsRecords).toEqual(['v=STSv1; id=1']);
    expect(result.findings.find((finding) => finding.code === 'policy-fetch-timeout')?.message).toBe(
      "fetching the policy from mta-sts.trickle.test took longer than the check's 3 s; senders give up too",
    );
  }, 20_000);

  it('ends the check when the resolver never answers', async () => {
    const started = Date.now();
    const result = await lintDomainOnline('silent.test', {
      dnsServers: [`127.0.0.1:${silentPort}`],
      timeoutMs: 2000,
    });
    // Before: 45.7 s with a 10 s setting.
    expect(Date.now() - started).toBeLessThan(5000);
    // No lookup was answered: the check says DNS could not be reached, and fetches nothing.
    expect(result.findings.map((finding) => finding.code)).toEqual(['dns-unreachable']);
    expect(result.dnsUnreachable).toContain('ETIMEOUT');
  }, 20_000);

  it('refuses a CA file that is a FIFO or a device, without waiting on it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tlsrpt-ca-'));
    try {
      const fifo = join(dir, 'ca.pem');
      execFileSync('mkfifo', [fifo]);
      for (const [caFile, reason] of [
        [fifo, 'not a regular file (a named pipe)'],
        ['/dev/zero', 'not a regular file (a character device)'],
      ] as const) {
        const result = await lintDomainOnline('trickle.test', {
          dnsServers: [servers.dnsServer],
          httpsPort: servers.httpsPort,
          caFile,
          timeoutMs: 3000,
        });
        expect(result.findings.find((finding) => finding.code === 'ca-file-unreadable')?.message).toBe(
          `cannot read the CA file ${caFile}: ${reason}`,
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 20_000);
});
