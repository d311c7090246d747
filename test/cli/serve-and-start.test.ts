import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliPath, runCli } from '../helpers/cli.js';
import { repoRoot, useTempDir } from '../helpers/files.js';

const tempDir = useTempDir();

describe('tlsrpt serve', () => {
  it('refuses a non-loopback address without --allow-remote', () => {
    const result = runCli(['serve', '--host', '0.0.0.0', '--db', join(tempDir(), 's.sqlite')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(
      '--host 0.0.0.0 is not a loopback address; add --allow-remote to serve other machines',
    );
  });

  it('rejects a port that is not a number', () => {
    const result = runCli(['serve', '--port', 'eighty', '--db', join(tempDir(), 's.sqlite')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--port takes a number from 0 to 65535');
  });

  it('serves on loopback, says where, and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [cliPath, 'serve', '--port', '0', '--db', join(tempDir(), 's.sqlite')]);
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        resolve(chunk.toString());
      });
      child.on('error', reject);
    });
    const url = /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(line)?.[1];
    expect(url).toBeDefined();
    const reply = await fetch(`${url}api/appInfo`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(await reply.json()).toMatchObject({ ok: true, value: { transport: 'http', canChoosePaths: false } });
    child.kill('SIGTERM');
    const [code] = await new Promise<[number | null]>((resolve) => child.on('exit', (exitCode) => resolve([exitCode])));
    expect(code).toBe(0);
  });

  it('warns when told to serve other machines, and says why it cannot listen', () => {
    // 192.0.2.1 (TEST-NET-1) is no address of this machine: the warning comes, then a clear error, and no socket opens.
    const result = runCli([
      'serve',
      '--host',
      '192.0.2.1',
      '--allow-remote',
      '--port',
      '0',
      '--db',
      join(tempDir(), 's.sqlite'),
    ]);
    expect(result.stderr).toContain(
      'warning: serving on 192.0.2.1: anyone who can reach this address can read every report',
    );
    expect(result.stderr).toContain(
      'tlsrpt serve: cannot listen on 192.0.2.1:0: 192.0.2.1 is not an address of this machine',
    );
    expect(result.status).toBe(2);
  });

  it('says when the port is taken', async () => {
    const first = spawn(process.execPath, [cliPath, 'serve', '--port', '0', '--db', join(tempDir(), 'a.sqlite')]);
    const line = await new Promise<string>((resolve) =>
      first.stdout.on('data', (chunk: Buffer) => resolve(chunk.toString())),
    );
    const port = /:(\d+)\//.exec(line)?.[1] ?? '';
    const second = runCli(['serve', '--port', port, '--db', join(tempDir(), 'b.sqlite')]);
    first.kill('SIGTERM');
    expect(second.status).toBe(2);
    expect(second.stderr).toContain(`port ${port} is already in use; choose another with --port`);
  });
});

describe('npm start without the Electron binary', () => {
  it('says so and points to serve mode', () => {
    // An empty dist folder and no download stand for a machine where Electron could not be fetched.
    const result = spawnSync(process.execPath, [join(repoRoot, 'dist', 'electron', 'launch.js')], {
      encoding: 'utf8',
      env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: tempDir(), ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('the Electron binary is not installed');
    expect(result.stderr).toContain('npx tlsrpt serve');
  });
});
