// Who reaches what in serve mode with --receive and --allow-remote: the
// receiver answers every address, the UI, the API and /metrics only this
// machine, and a sign-in proxy's user header gates the UI and the API. A
// real server over real sockets; 127.0.0.3 plays the other machine (the
// server is told that only 127.0.0.1 is this one), since a test may reach
// no other address.
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiHandlers } from '../../electron/backend/api/handlers.js';
import { openDatabase } from '../../electron/backend/db/database.js';
import type { AccessOptions } from '../../electron/backend/serve/access.js';
import { createHttpServer } from '../../electron/backend/serve/http-server.js';
import { ReportReceiver } from '../../electron/backend/serve/report-receiver.js';
import { TlsRptMetrics } from '../../electron/backend/metrics/tlsrpt-metrics.js';
import { corpusReports, useTempDir } from '../helpers/files.js';
import { httpRequest } from '../helpers/http-client.js';

const tempDir = useTempDir();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const THIS_MACHINE = '127.0.0.1';
const OTHER_MACHINE = '127.0.0.3';

async function serve(access: Omit<AccessOptions, 'isLocal'>, ratePerMinute?: number): Promise<string> {
  const root = tempDir();
  const rendererDir = join(root, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>ui</title>');
  const db = openDatabase(join(root, 'serve.sqlite'));
  const { handlers, importer, health, close } = createApiHandlers({
    db,
    databasePath: 'x',
    transport: 'http',
    allowPaths: false,
  });
  const receiver = new ReportReceiver({ importer, path: '/tlsrpt', ...(ratePerMinute ? { ratePerMinute } : {}) });
  const server: Server = createHttpServer({
    handlers,
    rendererDir,
    receiver,
    metrics: new TlsRptMetrics({ db, health }),
    access: { ...access, isLocal: (address) => address.replace(/^::ffff:/, '') === THIS_MACHINE },
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(async () => {
    server.close();
    server.closeAllConnections();
    await receiver.close();
    await close();
    db.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

const apiCall = (url: string, from: string, headers: Record<string, string> = {}) =>
  httpRequest(`${url}api/appInfo`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: '{}',
    from,
  });

const report = readFileSync(join(corpusReports, 'mail-tls-rpt__report.json.gz'));

describe('serve access with --receive and --allow-remote', () => {
  it('answers another machine only on the receiving path', async () => {
    const url = await serve({ remoteUi: false });
    const page = await httpRequest(url, { from: OTHER_MACHINE });
    expect(page.status).toBe(403);
    expect(page.text).toContain('From other machines this server answers only its report receiving path');
    expect((await apiCall(url, OTHER_MACHINE)).status).toBe(403);
    expect((await httpRequest(`${url}metrics`, { from: OTHER_MACHINE })).status).toBe(403);
    const posted = await httpRequest(`${url}tlsrpt`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/tlsrpt+gzip' },
      body: report,
      from: OTHER_MACHINE,
    });
    expect(posted.status, posted.text).toBe(201);
    // This machine still has the UI, the API and the metrics.
    expect((await httpRequest(url, { from: THIS_MACHINE })).status).toBe(200);
    const api = await apiCall(url, THIS_MACHINE);
    expect(api.status).toBe(200);
    expect(JSON.parse(api.text)).toMatchObject({ ok: true });
    const metrics = await httpRequest(`${url}metrics`, { from: THIS_MACHINE });
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/^tlsrpt_reports_stored 1$/m);
  });

  it('with --remote-ui, lets another machine in', async () => {
    const url = await serve({ remoteUi: true });
    expect((await httpRequest(url, { from: OTHER_MACHINE })).status).toBe(200);
    expect((await apiCall(url, OTHER_MACHINE)).status).toBe(200);
    // The metrics stay this machine's.
    expect((await httpRequest(`${url}metrics`, { from: OTHER_MACHINE })).status).toBe(403);
  });

  it('with a trusted user header, takes only requests that name an allowed user', async () => {
    const url = await serve({
      remoteUi: true,
      trustedUser: { header: 'X-Forwarded-Email', allowed: ['alice@example.com', 'bob@example.com'] },
    });
    const missing = await apiCall(url, OTHER_MACHINE);
    expect(missing.status).toBe(401);
    expect(missing.text).toContain('names the user in X-Forwarded-Email');
    // The proxy on this machine is held to it too: the header, not the address, says who it is.
    expect((await httpRequest(url, { from: THIS_MACHINE })).status).toBe(401);
    const stranger = await apiCall(url, OTHER_MACHINE, { 'X-Forwarded-Email': 'mallory@example.com' });
    expect(stranger.status).toBe(403);
    expect(stranger.text).toContain('mallory@example.com is not among the users allowed here');
    expect((await apiCall(url, OTHER_MACHINE, { 'X-Forwarded-Email': 'Alice@Example.com' })).status).toBe(200);
    expect(
      (await httpRequest(url, { from: OTHER_MACHINE, headers: { 'X-Forwarded-Email': 'bob@example.com' } })).status,
    ).toBe(200);
    // Senders and Prometheus send no user header.
    const posted = await httpRequest(`${url}tlsrpt`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/tlsrpt+gzip' },
      body: report,
      from: OTHER_MACHINE,
    });
    expect(posted.status).toBe(201);
    expect((await httpRequest(`${url}metrics`, { from: THIS_MACHINE })).status).toBe(200);
  });

  it('behind a sign-in proxy, takes its public name in Host and Origin once told it with --public-url', async () => {
    const proxied = {
      Host: 'tlsrpt.example.com',
      Origin: 'https://tlsrpt.example.com',
      'X-Forwarded-Email': 'alice@example.com',
    };
    const trustedUser = { header: 'X-Forwarded-Email', allowed: ['alice@example.com'] };
    const unnamed = await serve({ remoteUi: true, trustedUser });
    expect((await httpRequest(unnamed, { from: THIS_MACHINE, headers: proxied })).status).toBe(421);
    const named = await serve({ remoteUi: true, trustedUser, publicOrigin: 'https://tlsrpt.example.com' });
    expect((await httpRequest(named, { from: THIS_MACHINE, headers: proxied })).status).toBe(200);
    expect((await apiCall(named, THIS_MACHINE, proxied)).status).toBe(200);
    // Another site's page is still refused, with or without the user's header.
    const crossSite = await apiCall(named, THIS_MACHINE, { ...proxied, Origin: 'https://evil.example' });
    expect(crossSite.status).toBe(403);
    expect(crossSite.text).toContain('cross-origin requests are refused');
  });

  it('takes the rate-limited client from X-Forwarded-For only when a proxy on this machine sends it', async () => {
    const url = await serve({ remoteUi: false }, 1);
    const post = (from: string, forwardedFor: string) =>
      httpRequest(`${url}tlsrpt`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/tlsrpt+json', 'X-Forwarded-For': forwardedFor },
        body: '{}',
        from,
      });
    // Through the proxy on this machine, the entry it appended last names the sender: one a minute each.
    expect((await post(THIS_MACHINE, '203.0.113.9, 198.51.100.20')).status).toBe(422);
    expect((await post(THIS_MACHINE, '198.51.100.21')).status).toBe(422);
    const again = await post(THIS_MACHINE, '192.0.2.1, 198.51.100.20');
    expect(again.status).toBe(429);
    expect(again.text).toContain('too many reports from 198.51.100.20');
    // Another machine's own X-Forwarded-For is not believed: it is limited by its address, whatever it writes.
    expect((await post(OTHER_MACHINE, '198.51.100.30')).status).toBe(422);
    const spoofed = await post(OTHER_MACHINE, '198.51.100.31');
    expect(spoofed.status).toBe(429);
    expect(spoofed.text).toContain(`too many reports from ${OTHER_MACHINE}`);
  });
});
