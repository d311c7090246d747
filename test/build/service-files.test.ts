// The service definitions: the systemd units pass `systemd-analyze verify`
// and keep a low exposure in `systemd-analyze security`, the command lines of
// the units and the Containerfile are accepted by `tlsrpt serve` as written,
// and the container's production-only dependencies hold everything the
// command line loads. (No container engine runs here: the Containerfile is
// checked by its parts.)
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliPath } from '../helpers/cli.js';
import { repoRoot, useTempDir } from '../helpers/files.js';
import { httpRequest, startServe, stopServe } from '../helpers/http-client.js';

const tempDir = useTempDir();
const SYSTEMD = join(repoRoot, 'build', 'systemd');
const UNITS = ['tlsrpt-viewer.service', 'tlsrpt-sync@.service'];
const INSTALLED = '/usr/local/bin/tlsrpt';

/** The units as installed, but with ExecStart pointing at this checkout's build (verify checks it exists). */
function unitsHere(): string {
  const dir = tempDir();
  for (const unit of UNITS) {
    writeFileSync(join(dir, unit), readFileSync(join(SYSTEMD, unit), 'utf8').replaceAll(INSTALLED, cliPath));
  }
  return dir;
}

/** A unit's ExecStart arguments after the program, its continuation lines joined. */
function execStartArgs(unit: string): string[] {
  const text = readFileSync(join(SYSTEMD, unit), 'utf8').replace(/\\\n\s*/g, ' ');
  const line = /^ExecStart=(.*)$/m.exec(text)?.[1] ?? '';
  const [program, ...args] = line.trim().split(/\s+/);
  expect(program).toBe(INSTALLED);
  return args;
}

describe('build/systemd', () => {
  it('passes systemd-analyze verify without a warning', () => {
    const dir = unitsHere();
    const result = spawnSync(
      'systemd-analyze',
      ['verify', '--man=no', join(dir, 'tlsrpt-viewer.service'), join(dir, 'tlsrpt-sync@reports.service')],
      { encoding: 'utf8' },
    );
    expect(result.error, 'systemd-analyze (Debian package systemd) is installed by test/setup/system-packages.sh').toBe(
      undefined,
    );
    expect(result.status, result.stderr).toBe(0);
    // verify reports unknown keys and bad values as warnings, with exit status 0.
    expect(result.stderr.split('\n').filter((line) => line.includes(dir))).toEqual([]);
  });

  it('runs confined: an exposure below 2 of 10 in systemd-analyze security', () => {
    const dir = unitsHere();
    for (const unit of ['tlsrpt-viewer.service', 'tlsrpt-sync@reports.service']) {
      const result = spawnSync('systemd-analyze', ['security', '--offline=yes', join(dir, unit)], { encoding: 'utf8' });
      const level = /Overall exposure level for \S+: (\d+\.\d+)/.exec(result.stdout)?.[1];
      expect(level, result.stdout + result.stderr).toBeDefined();
      expect(Number(level)).toBeLessThan(2);
    }
  });

  it('starts serve with the unit’s own command line, database and spool in the state directory', async () => {
    const state = tempDir();
    const args = execStartArgs('tlsrpt-viewer.service').map((arg) =>
      arg.replaceAll('%S/tlsrpt', state).replace(/^8460$/, '0'),
    );
    expect(args.slice(0, 1)).toEqual(['serve']);
    const serve = await startServe(args.slice(1));
    try {
      const posted = await httpRequest(`${serve.url}tlsrpt`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/tlsrpt+json' },
        body: '{}',
      });
      expect(posted.status).toBe(422);
      expect((await httpRequest(`${serve.url}metrics`)).status).toBe(200);
    } finally {
      expect(await stopServe(serve.child)).toBe(0);
    }
    expect(readdirSync(state)).toContain('reports.sqlite');
  });

  it('gives sync its password as a credential file, never on the command line', () => {
    const args = execStartArgs('tlsrpt-sync@.service');
    expect(args).toContain('--password-file');
    expect(args[args.indexOf('--password-file') + 1]).toBe('${CREDENTIALS_DIRECTORY}/imap-password');
    expect(args.join(' ')).not.toMatch(/--password-env|--password(?!-file)/);
  });
});

describe('build/container/Containerfile', () => {
  const containerfile = readFileSync(join(repoRoot, 'build', 'container', 'Containerfile'), 'utf8');

  it('keeps the database on a volume and runs as the unprivileged user', () => {
    expect(containerfile).toMatch(/^VOLUME \["\/var\/lib\/tlsrpt"\]$/m);
    const stages = containerfile.split(/^FROM /m);
    expect(stages.at(-1)).toMatch(/^USER node$/m);
    expect(containerfile).toMatch(/^ENV [^]*TMPDIR=\/var\/lib\/tlsrpt\/spool/m);
  });

  it('starts serve with its CMD as written (on loopback here)', async () => {
    const cmd = JSON.parse(/^CMD (\[[^]*?\])$/m.exec(containerfile.replace(/\\\n\s*/g, ' '))?.[1] ?? '[]') as string[];
    expect(cmd[0]).toBe('serve');
    const state = tempDir();
    // No address but loopback in a test: 0.0.0.0 becomes 127.0.0.1, the ports free ones.
    const args = cmd.slice(1).map((arg) =>
      arg
        .replace('/var/lib/tlsrpt', state)
        .replace(/^0\.0\.0\.0$/, '127.0.0.1')
        .replace(/^(8460|9464)$/, '0'),
    );
    const serve = await startServe(args);
    try {
      const posted = await httpRequest(`${serve.url}tlsrpt`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/tlsrpt+json' },
        body: '{}',
      });
      expect(posted.status).toBe(422);
      // /metrics on its own listener (--metrics-port), for a Prometheus outside the container.
      let metricsUrl: string | undefined;
      for (let attempt = 0; attempt < 100 && metricsUrl === undefined; attempt += 1) {
        metricsUrl = /^metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)$/m.exec(serve.stdout())?.[1];
        if (metricsUrl === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(metricsUrl, serve.stdout()).toBeDefined();
      const scraped = await httpRequest(metricsUrl ?? '');
      expect(scraped.status).toBe(200);
      expect(scraped.text).toMatch(/^tlsrpt_reports_stored 0$/m);
    } finally {
      expect(await stopServe(serve.child)).toBe(0);
    }
  });

  it('needs only production dependencies for what it runs (npm prune --omit=dev)', () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const builtins = new Set(builtinModules);
    const missing = new Set<string>();
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.js')) {
          const text = readFileSync(path, 'utf8');
          for (const match of text.matchAll(/(?:from |import\()'([^.'][^']*)'/g)) {
            const specifier = match[1] ?? '';
            if (specifier.startsWith('node:') || builtins.has(specifier)) continue;
            const name = specifier.startsWith('@')
              ? specifier.split('/').slice(0, 2).join('/')
              : specifier.split('/')[0];
            if (name !== undefined && !(name in manifest.dependencies)) missing.add(`${name} (${path})`);
          }
        }
      }
    };
    // The command line and the backend it loads: what the container's ENTRYPOINT runs.
    walk(join(repoRoot, 'dist', 'electron', 'cli'));
    walk(join(repoRoot, 'dist', 'electron', 'backend'));
    expect([...missing]).toEqual([]);
  });
});
