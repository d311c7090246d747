import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BackendToMain, MainToBackend } from '../../electron/shell/backend-client.js';
import { openDatabaseToRead } from '../../electron/backend/db/database.js';
import { savedAccount } from '../../electron/backend/db/mailbox-store.js';
import { answerVaultRequest } from '../../electron/shell/keychain.js';
import { corpusReports, repoRoot, useTempDir } from '../helpers/files.js';
import { createFakeSafeStorage } from './fake-electron.js';

/*
 * The compiled backend process, as Electron's utilityProcess runs it, under
 * plain Node: the same file, the same arguments, the same messages; only
 * `process.parentPort` is a stand-in (parent-port-standin.mjs).
 */
const entry = join(repoRoot, 'dist', 'electron', 'shell', 'backend-process.js');
const standIn = join(repoRoot, 'test', 'electron', 'parent-port-standin.mjs');
const tempDir = useTempDir();
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

function startBackend(args: string[]) {
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run "npm run build:node" first (npm test does)`);
  const child = fork(entry, args, { execArgv: ['--import', standIn], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const messages: BackendToMain[] = [];
  const waiting: ((message: BackendToMain) => void)[] = [];
  child.on('message', (message) => {
    const waiter = waiting.shift();
    if (waiter) waiter(message as BackendToMain);
    else messages.push(message as BackendToMain);
  });
  const next = (): Promise<BackendToMain> => {
    const queued = messages.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer from the backend; stderr: ${stderr}`)), 15_000);
      waiting.push((message) => {
        clearTimeout(timer);
        resolve(message);
      });
    });
  };
  const send = (message: MainToBackend): void => {
    child.send(message);
  };
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => {
    child.on('exit', (code) => resolve({ code, stderr }));
  });
  return { send, next, exited };
}

describe('the backend process (compiled, under Node, with a stand-in parentPort)', () => {
  it('answers appInfo and summary over the parent port', async () => {
    const db = join(tempDir(), 'reports.sqlite');
    const backend = startBackend(['--db', db]);
    backend.send({ id: 1, method: 'appInfo', request: {} });
    expect(await backend.next()).toMatchObject({
      id: 1,
      result: { ok: true, value: { databasePath: db, transport: 'electron' } },
    });
    backend.send({ id: 2, method: 'summary', request: { filter: {} } });
    expect(await backend.next()).toMatchObject({ id: 2, result: { ok: true, value: { reports: 0 } } });
  });

  it('imports by path and answers with the validated error for a bad request', async () => {
    const backend = startBackend(['--db', join(tempDir(), 'reports.sqlite')]);
    backend.send({
      id: 1,
      method: 'startImport',
      request: { paths: [join(corpusReports, 'parsedmarc__mail.ru.json')] },
    });
    const started = (await backend.next()) as { id: number; result: { ok: true; value: { jobId: string } } };
    expect(started).toMatchObject({ id: 1, result: { ok: true } });
    let done = false;
    for (let attempt = 0; attempt < 100 && !done; attempt += 1) {
      backend.send({
        id: 2 + attempt,
        method: 'importStatus',
        request: { jobId: started.result.value.jobId, since: 0 },
      });
      const status = (await backend.next()) as { result: { ok: true; value: { done: boolean } } };
      done = status.result.value.done;
      if (!done) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    backend.send({ id: 500, method: 'summary', request: { filter: {} } });
    expect(await backend.next()).toMatchObject({ id: 500, result: { ok: true, value: { reports: 1 } } });
    backend.send({ id: 501, method: 'report', request: { id: 'one' } });
    expect(await backend.next()).toMatchObject({ id: 501, result: { ok: false, error: { code: 'invalid-request' } } });
  });

  it('stores the re-sealed secret main sends back when the keychain asks for it (shouldReEncrypt)', async () => {
    const file = join(tempDir(), 'reports.sqlite');
    const backend = startBackend(['--db', file]);
    const account = {
      name: 'Reports',
      host: '127.0.0.1',
      port: 1,
      security: 'tls',
      user: 'tlsrpt',
      auth: 'password',
      mailbox: 'INBOX',
      after: { action: 'none' },
      pollIntervalSeconds: 300,
      caFile: null,
    };
    // Saved while the Linux keyring failed, by a version that did not check: sealed with the fixed key ("v10").
    const old = await createFakeSafeStorage('linux', 'keyring-failed', () => true).encryptStringAsync('hunter2');
    backend.send({ id: 1, method: 'saveMailbox', request: { account, secret: 'hunter2' } });
    const sealRequest = await backend.next();
    if (!('vault' in sealRequest)) throw new Error('expected a vault request');
    backend.send({ vaultReply: { id: sealRequest.vault.id, ok: true, data: old.toString('base64') } });
    expect(await backend.next()).toMatchObject({ id: 1, result: { ok: true } });
    // Now the keyring works: testing the connection opens the secret, and main answers as it would.
    backend.send({ id: 2, method: 'testMailbox', request: { account } });
    const openRequest = await backend.next();
    if (!('vault' in openRequest)) throw new Error('expected a vault request');
    expect(openRequest.vault.op).toBe('open');
    const keyring = createFakeSafeStorage('linux', 'keyring', () => true);
    backend.send(await answerVaultRequest(keyring, openRequest.vault, 'linux'));
    expect(await backend.next()).toMatchObject({ id: 2, result: { ok: false } });
    const db = openDatabaseToRead(file);
    const row = savedAccount(db, 'Reports');
    db.close();
    expect(row?.secretEncrypted?.subarray(0, 3).toString()).toBe('v11');
    expect((await keyring.decryptStringAsync(row?.secretEncrypted ?? Buffer.alloc(0))).result).toBe('hunter2');
  });

  it('stores the re-sealed OAuth client secret too when the keychain asks for it (shouldReEncrypt)', async () => {
    const file = join(tempDir(), 'reports.sqlite');
    const backend = startBackend(['--db', file]);
    const account = {
      name: 'Confidential',
      host: '127.0.0.1',
      port: 1,
      security: 'tls',
      user: 'tlsrpt',
      auth: 'oauth2',
      mailbox: 'INBOX',
      after: { action: 'none' },
      pollIntervalSeconds: 300,
      caFile: null,
      // Nothing listens there: the sign-in fails after the client secret is opened.
      oauth: {
        provider: 'issuer',
        issuer: 'http://127.0.0.1:1',
        clientId: 'app',
        clientSecret: 's3cret',
        tenant: null,
        scope: null,
      },
    };
    const old = await createFakeSafeStorage('linux', 'keyring-failed', () => true).encryptStringAsync('s3cret');
    backend.send({ id: 1, method: 'saveMailbox', request: { account } });
    for (;;) {
      const message = await backend.next();
      if ('vault' in message) {
        expect(message.vault.op).toBe('seal');
        backend.send({ vaultReply: { id: message.vault.id, ok: true, data: old.toString('base64') } });
        continue;
      }
      expect(message).toMatchObject({ id: 1, result: { ok: true } });
      break;
    }
    const before = openDatabaseToRead(file);
    expect(savedAccount(before, 'Confidential')?.clientSecretEncrypted?.subarray(0, 3).toString()).toBe('v10');
    before.close();
    // The keyring works now: signing in opens the client secret, and main answers as it would.
    const keyring = createFakeSafeStorage('linux', 'keyring', () => true);
    backend.send({ id: 2, method: 'signInMailbox', request: { name: 'Confidential' } });
    for (;;) {
      const message = await backend.next();
      if ('vault' in message) {
        backend.send(await answerVaultRequest(keyring, message.vault, 'linux'));
        continue;
      }
      expect(message).toMatchObject({ id: 2, result: { ok: false } });
      break;
    }
    const db = openDatabaseToRead(file);
    const row = savedAccount(db, 'Confidential');
    db.close();
    expect(row?.clientSecretEncrypted?.subarray(0, 3).toString()).toBe('v11');
    expect((await keyring.decryptStringAsync(row?.clientSecretEncrypted ?? Buffer.alloc(0))).result).toBe('s3cret');
    // The password column is the mailbox's own, untouched.
    expect(row?.secretEncrypted ?? null).toBeNull();
  });

  it('tells main in words when its database cannot be opened, instead of dying with an exit code', async () => {
    const file = join(tempDir(), 'reports.sqlite');
    writeFileSync(file, 'a text file named by mistake, long enough to be more than a header of sixteen bytes');
    const backend = startBackend(['--db', file]);
    const message = await backend.next();
    expect(message).toMatchObject({ startupProblem: { kind: 'database', problem: 'not-a-database', file } });
    expect('startupProblem' in message && message.startupProblem.message).toContain(file);
  });

  it('stops with a clear message when main gave it no database', async () => {
    const backend = startBackend([]);
    const { code, stderr } = await backend.exited;
    expect(code).not.toBe(0);
    expect(stderr).toContain('backend process started without --db');
  });
});
