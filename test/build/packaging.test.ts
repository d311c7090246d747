import { listPackage, extractFile } from '@electron/asar';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { macNotarizationRefusal, macSigningArguments } from '../../build/signing.mjs';
import { repoRoot } from '../helpers/files.js';

/*
 * What `npm run dist` makes for Linux, made here without the downloads it
 * needs elsewhere: electron-builder packs the built app into a stand-in
 * Electron folder (electronDist) and hands the deb to a stand-in fpm
 * (fpm-standin.mjs). What is checked is electron-builder's own output: the
 * asar, the unpacked addon, the fuses flipped in the binary, the AppArmor
 * profile and the arguments that become the deb's control file. Not checked
 * here: better-sqlite3 rebuilt for Electron's ABI (npmRebuild needs
 * Electron's headers from the network) and the macOS and Windows targets.
 */

const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
// Electron 45's fuse wire as shipped (build/fuses/fuses.json5 in Electron's
// source): version 1, nine fuses (runAsNode, cookie encryption, NODE_OPTIONS,
// --inspect, asar integrity, only load from asar, browser V8 snapshot,
// file:// privileges, WebAssembly trap handlers), '1' on, '0' off.
const SHIPPED_WIRE = '101100011';
// @electron/fuses 1.8 (electron-builder's) names eight fuses; the ninth,
// added in Electron 35, is read by its index. @electron/fuses 2 names it
// (FuseV1Options.WasmTrapHandlers) but needs Node 22.12.
const WASM_TRAP_HANDLERS = 8;

// One package for all the checks: made once, removed after the last.
const work = mkdtempSync(join(tmpdir(), 'tlsrpt-pack-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});
let out = '';
let fpmArgs: string[] = [];
let afterInstall = '';
let desktopEntry = '';
let builderLog = '';

function standInElectron(dir: string): void {
  mkdirSync(join(dir, 'resources'), { recursive: true });
  mkdirSync(join(dir, 'locales'));
  writeFileSync(
    join(dir, 'electron'),
    `#!/bin/sh\n# ${SENTINEL}\x01${String.fromCharCode(SHIPPED_WIRE.length)}${SHIPPED_WIRE}\nexit 0\n`,
    { mode: 0o755 },
  );
  writeFileSync(join(dir, 'chrome-sandbox'), '', { mode: 0o755 });
  writeFileSync(join(dir, 'LICENSE'), 'stand-in');
  writeFileSync(join(dir, 'version'), '45.5.0');
}

beforeAll(() => {
  for (const built of ['dist/electron/main.js', 'dist/renderer/index.html']) {
    if (!existsSync(join(repoRoot, built))) throw new Error(`${built} is missing: run "npm run build" first`);
  }
  const electronDist = join(work, 'electron-dist');
  standInElectron(electronDist);
  const bin = join(work, 'bin');
  mkdirSync(bin);
  copyFileSync(join(repoRoot, 'test', 'build', 'fpm-standin.mjs'), join(bin, 'fpm'));
  chmodSync(join(bin, 'fpm'), 0o755);
  out = join(work, 'out');
  const record = join(work, 'fpm-args.json');
  const result = spawnSync(
    process.execPath,
    [
      join(repoRoot, 'node_modules', 'electron-builder', 'cli.js'),
      '--config',
      'build/electron-builder.yml',
      '--publish',
      'never',
      '--linux',
      'deb',
      `-c.electronDist=${electronDist}`,
      '-c.npmRebuild=false',
      `-c.directories.output=${out}`,
    ],
    {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 240_000,
      env: {
        ...process.env,
        USE_SYSTEM_FPM: 'true',
        PATH: `${bin}:${process.env['PATH'] ?? ''}`,
        STANDIN_FPM_RECORD: record,
      },
    },
  );
  builderLog = `${result.stdout}${result.stderr}`;
  if (result.status !== 0) throw new Error(`electron-builder failed:\n${builderLog}`);
  fpmArgs = JSON.parse(readFileSync(record, 'utf8')) as string[];
  afterInstall = readFileSync(`${record}.after-install`, 'utf8');
  desktopEntry = readFileSync(`${record}.desktop`, 'utf8');
}, 300_000);

const unpacked = () => join(out, 'linux-unpacked');
const argument = (flag: string) => fpmArgs[fpmArgs.indexOf(flag) + 1];

describe('the Linux package (electron-builder with a stand-in Electron and fpm)', () => {
  it('holds the built app in app.asar, and no development packages', () => {
    const asar = join(unpacked(), 'resources', 'app.asar');
    const files = listPackage(asar, { isPack: false });
    for (const file of [
      '/package.json',
      '/dist/electron/main.js',
      '/dist/electron/preload.cjs',
      '/dist/renderer/index.html',
    ]) {
      expect(files).toContain(file);
    }
    expect(files).toContain('/dist/electron/shell/backend-process.js');
    const manifest = JSON.parse(extractFile(asar, 'package.json').toString()) as { main: string; productName: string };
    expect(manifest).toMatchObject({ main: 'dist/electron/main.js', productName: 'tlsrpt-viewer' });
    for (const devOnly of ['electron', 'electron-builder', 'vitest', 'typescript', '@playwright/test']) {
      expect(
        files.some((file) => file.startsWith(`/node_modules/${devOnly}/`)),
        devOnly,
      ).toBe(false);
    }
    expect(files.some((file) => file.endsWith('.map'))).toBe(false);
    // Vite bundled these into dist/renderer; in the archive they were 25.6 of its 38.9 MB.
    for (const rendererOnly of [
      'react',
      'react-dom',
      'react-router',
      'recharts',
      'es-toolkit',
      '@reduxjs/toolkit',
      '@tanstack/react-table',
      '@tanstack/react-virtual',
      'pako',
    ]) {
      expect(
        files.some((file) => file.startsWith(`/node_modules/${rendererOnly}/`)),
        rendererOnly,
      ).toBe(false);
    }
    expect(statSync(asar).size).toBeLessThan(20 * 1024 * 1024);
    // electron-updater runs in main: a production dependency, in the archive with its own dependencies.
    expect(files).toContain('/node_modules/electron-updater/out/main.js');
    expect(
      files.some((file) => /^\/node_modules\/(electron-updater\/node_modules\/)?builder-util-runtime\//.test(file)),
    ).toBe(true);
    // better-sqlite3 ships its JavaScript and its addon, not its sources and build leftovers.
    expect(files).toContain('/node_modules/better-sqlite3/lib/index.js');
    const sqlite = files.filter((file) => file.startsWith('/node_modules/better-sqlite3/'));
    expect(sqlite.filter((file) => /\/(deps|src|obj|obj\.target)\/|test_extension/.test(file))).toEqual([]);
  });

  it('tells electron-updater where releases are, and that this copy is a deb (which only hears of them)', () => {
    const resources = join(unpacked(), 'resources');
    const config = readFileSync(join(resources, 'app-update.yml'), 'utf8');
    expect(config).toMatch(/^provider: github$/m);
    expect(config).toMatch(/^owner: tlsrpt-viewer$/m);
    expect(config).toMatch(/^repo: tlsrpt-viewer$/m);
    expect(config).toMatch(/^updaterCacheDirName: tlsrpt-viewer-updater$/m);
    expect(readFileSync(join(resources, 'package-type'), 'utf8').trim()).toBe('deb');
  });

  it('keeps the SQLite addon outside the archive, where it can be loaded', () => {
    const addon = join(
      unpacked(),
      'resources',
      'app.asar.unpacked',
      'node_modules',
      'better-sqlite3',
      'build',
      'Release',
      'better_sqlite3.node',
    );
    expect(existsSync(addon)).toBe(true);
    expect(readFileSync(addon).subarray(0, 4).toString('latin1')).toBe('\x7fELF');
  });

  it('flips the fuses: no run-as-node, NODE_OPTIONS or inspector; asar integrity on, app only from the asar, no file:// privileges; all nine kept', async () => {
    const wire = await getCurrentFuseWire(join(unpacked(), 'tlsrpt-viewer'));
    const on = (fuse: FuseV1Options) => String.fromCharCode(wire[fuse] as number);
    expect({
      runAsNode: on(FuseV1Options.RunAsNode),
      nodeOptions: on(FuseV1Options.EnableNodeOptionsEnvironmentVariable),
      nodeCliInspect: on(FuseV1Options.EnableNodeCliInspectArguments),
      asarIntegrity: on(FuseV1Options.EnableEmbeddedAsarIntegrityValidation),
      onlyLoadAppFromAsar: on(FuseV1Options.OnlyLoadAppFromAsar),
      fileProtocolPrivileges: on(FuseV1Options.GrantFileProtocolExtraPrivileges),
      wasmTrapHandlers: String.fromCharCode((wire as Record<number, number | undefined>)[WASM_TRAP_HANDLERS] ?? 0),
    }).toEqual({
      runAsNode: '0',
      nodeOptions: '0',
      nodeCliInspect: '0',
      asarIntegrity: '1',
      onlyLoadAppFromAsar: '1',
      fileProtocolPrivileges: '0',
      // Left on: V8 then checks WebAssembly memory accesses with guard pages
      // and a signal handler instead of inline bounds checks; flipping a fuse
      // electron-builder does not know of would also drop it from the wire.
      wasmTrapHandlers: '1',
    });
    // All nine fuses are still on the wire: none was cut off by a tool that knows only eight.
    expect(Object.keys(wire).filter((key) => /^\d+$/.test(key))).toHaveLength(SHIPPED_WIRE.length);
  });

  it('makes the deb with a homepage and a maintainer e-mail (its control file’s Homepage and Maintainer)', () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
      homepage: string;
      version: string;
    };
    expect(builderLog).not.toContain('Please specify project homepage');
    expect(fpmArgs.slice(0, 5)).toEqual(['-s', 'dir', '--force', '-t', 'deb']);
    expect(argument('--name')).toBe('tlsrpt-viewer');
    expect(argument('--url')).toBe(manifest.homepage);
    expect(argument('--maintainer')).toMatch(/^[^<>]+ <[^@\s<>]+@[^@\s<>]+>$/);
    expect(argument('--version')).toBe(manifest.version);
    expect(argument('--description')).toContain('Read SMTP TLS reports (TLS-RPT, RFC 8460) offline');
    expect(fpmArgs).toContain(`${unpacked()}/=/opt/tlsrpt-viewer`);
  });

  it('offers the app for RFC 8460’s media types in its .desktop file, hands it the files, and claims no extension', () => {
    expect(desktopEntry).toMatch(/^Exec=.*tlsrpt-viewer.* %U$/m);
    expect(desktopEntry).toMatch(/^MimeType=application\/tlsrpt\+json;application\/tlsrpt\+gzip;$/m);
    // No MIME definition, which would map *.json or *.gz to these types.
    expect(fpmArgs.some((arg) => arg.includes('/usr/share/mime/packages/'))).toBe(false);
  });

  it('installs the AppArmor profile that lets Chromium’s sandbox run on Ubuntu 24.04 and later', () => {
    const profile = readFileSync(join(unpacked(), 'resources', 'apparmor-profile'), 'utf8');
    expect(profile).toContain('profile "tlsrpt-viewer" "/opt/tlsrpt-viewer/tlsrpt-viewer"');
    expect(profile).toContain('userns,');
    expect(afterInstall).toContain("APPARMOR_PROFILE_SOURCE='/opt/tlsrpt-viewer/resources/apparmor-profile'");
    expect(afterInstall).toContain("APPARMOR_PROFILE_TARGET='/etc/apparmor.d/tlsrpt-viewer'");
  });
});

describe('macOS signing in npm run dist', () => {
  it('signs ad hoc, without hardened runtime or notarization, when no identity is given', () => {
    expect(macSigningArguments({})).toMatchObject({
      args: ['-c.mac.identity=-', '-c.mac.hardenedRuntime=false', '-c.mac.notarize=false'],
    });
    expect(macSigningArguments({ CSC_LINK: '' }).args).toHaveLength(3);
  });

  it('keeps the release configuration (Developer ID, hardened runtime, notarization) when one is', () => {
    expect(macSigningArguments({ CSC_LINK: '/secure/developer-id.p12', CSC_KEY_PASSWORD: 'x' })).toEqual({
      args: [],
      note: null,
    });
    expect(macSigningArguments({ CSC_NAME: 'Developer ID Application: Example (TEAM123456)' }).args).toEqual([]);
    const config = readFileSync(join(repoRoot, 'build', 'electron-builder.yml'), 'utf8');
    expect(config).toMatch(/^ {2}hardenedRuntime: true$/m);
    expect(config).toMatch(/^ {2}notarize: true$/m);
    expect(config).toMatch(/^ {2}entitlements: build\/entitlements\.mac\.plist$/m);
  });

  it('refuses a signed build without notarization credentials, and accepts each complete set', () => {
    const identity = { CSC_LINK: '/secure/developer-id.p12', CSC_KEY_PASSWORD: 'x' };
    expect(macNotarizationRefusal(identity)).toContain('no notarization credentials');
    expect(macNotarizationRefusal({ ...identity, APPLE_ID: 'a@example.com', APPLE_TEAM_ID: 'TEAM123456' })).toContain(
      'APPLE_APP_SPECIFIC_PASSWORD',
    );
    for (const credentials of [
      { APPLE_API_KEY: '/secure/key.p8', APPLE_API_KEY_ID: 'K', APPLE_API_ISSUER: 'I' },
      { APPLE_ID: 'a@example.com', APPLE_APP_SPECIFIC_PASSWORD: 'p', APPLE_TEAM_ID: 'TEAM123456' },
      { APPLE_KEYCHAIN_PROFILE: 'notary', APPLE_KEYCHAIN: 'login' },
    ]) {
      expect(macNotarizationRefusal({ ...identity, ...credentials })).toBeNull();
    }
    // A local build (ad hoc, no identity) is never refused.
    expect(macNotarizationRefusal({})).toBeNull();
  });
});
