import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { createRequire, Module } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { AppUpdater } from 'electron-updater';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApiHandlers } from '../../electron/backend/api/handlers.js';
import { openDatabase } from '../../electron/backend/db/database.js';
import { APP_HOMEPAGE } from '../../electron/shell/menu.js';
import {
  createUpdater,
  loadUpdateSettings,
  releasePageUrl,
  UPDATE_FEED,
  updateTarget,
  Updates,
  type UpdateTarget,
} from '../../electron/shell/updates.js';
import { repoRoot, useTempDir } from '../helpers/files.js';
import { createFakeElectron } from './fake-electron.js';

/*
 * The updater as it runs in an installed copy: electron-updater 6 itself
 * (the same classes createUpdater makes), against a feed served here on
 * loopback — a latest-linux.yml and an update file with its SHA-512 — with
 * the stand-in Electron as the `electron` module it requires (app, dialogs,
 * autoUpdater). Two things differ from a real Electron, both because
 * Electron's own modules do not exist in Node: requests go through Node's
 * http instead of electron.net (electron-updater's HttpExecutor, which
 * checks the SHA-512, is the same), and the feed is a generic server here
 * instead of GitHub's release pages. The install step is electron-updater's
 * own: for the AppImage it replaces the file APPIMAGE names and runs it.
 */

const tempDir = useTempDir();
const fromUpdater = createRequire(createRequire(import.meta.url).resolve('electron-updater'));

interface DownloadOptions {
  headers?: Record<string, string>;
  cancellationToken: {
    createPromise<T>(
      run: (resolve: (value: T) => void, reject: (error: Error) => void, onCancel: unknown) => void,
    ): Promise<T>;
  };
}
/** electron-updater's own HttpExecutor (builder-util-runtime): its doDownload checks the SHA-512 as the file streams in. */
const runtime = fromUpdater('builder-util-runtime') as {
  HttpExecutor: new () => {
    doDownload(requestOptions: object, options: object, redirectCount: number): void;
  };
  configureRequestUrl(url: URL, options: object): void;
  configureRequestOptions(options: object): void;
};
/** Its ElectronHttpExecutor, over Node's http rather than electron.net: download() as electron-updater 6.8 writes it. */
class NodeHttpExecutor extends runtime.HttpExecutor {
  createRequest(options: RequestOptions, callback: (response: IncomingMessage) => void): ClientRequest {
    return request(options, callback);
  }
  download(url: URL, destination: string, options: DownloadOptions): Promise<string> {
    return options.cancellationToken.createPromise<string>((resolve, reject, onCancel) => {
      const requestOptions = { headers: options.headers ?? undefined, redirect: 'manual' };
      runtime.configureRequestUrl(url, requestOptions);
      runtime.configureRequestOptions(requestOptions);
      this.doDownload(
        requestOptions,
        {
          destination,
          options,
          onCancel,
          callback: (error: Error | null | undefined) =>
            error === null || error === undefined ? resolve(destination) : reject(error),
          responseHandler: null,
        },
        0,
      );
    });
  }
}

interface Feed {
  url: string;
  requests: string[];
  files: Map<string, Buffer>;
  close(): Promise<void>;
}

async function serveFeed(): Promise<Feed> {
  const files = new Map<string, Buffer>();
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    const body = files.get(path);
    if (!body) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    files,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const sha512 = (data: Buffer): string => createHash('sha512').update(data).digest('base64');

/** A release in the feed, as electron-builder writes latest-linux.yml; `claimedSha512` lies when given. */
function publish(
  feed: Feed,
  version: string,
  file: string,
  body: Buffer,
  claimedSha512 = sha512(body),
  channel = 'latest-linux.yml',
): void {
  feed.files.set(`/${file}`, body);
  feed.files.set(
    `/${channel}`,
    Buffer.from(
      [
        `version: ${version}`,
        'files:',
        `  - url: ${file}`,
        `    sha512: ${claimedSha512}`,
        `    size: ${body.length}`,
        `path: ${file}`,
        `sha512: ${claimedSha512}`,
        "releaseDate: '2026-12-01T00:00:00.000Z'",
        '',
      ].join('\n'),
    ),
  );
}

const electronPath = fromUpdater.resolve('electron');
const savedEnv = { APPIMAGE: process.env['APPIMAGE'], XDG_CACHE_HOME: process.env['XDG_CACHE_HOME'] };
let feed: Feed;
let fake: ReturnType<typeof createFakeElectron>;

beforeEach(async () => {
  feed = await serveFeed();
  const db = openDatabase(join(tempDir(), 'reports.sqlite'));
  const { handlers } = createApiHandlers({ db, databasePath: 'x', transport: 'electron', allowPaths: true });
  fake = createFakeElectron({ appData: tempDir(), handlers, isPackaged: true });
  await fake.app.whenReady();
  // electron-updater requires 'electron' (CommonJS): it gets the stand-in, as it gets Electron in the app.
  const standIn = new Module(electronPath);
  standIn.exports = fake;
  standIn.loaded = true;
  (Module as unknown as { _cache: Record<string, Module> })._cache[electronPath] = standIn;
  // Its download cache (~/.cache/<app>-updater on Linux) goes to a folder of the test's own.
  process.env['XDG_CACHE_HOME'] = tempDir();
});

afterEach(async () => {
  Reflect.deleteProperty((Module as unknown as { _cache: Record<string, Module> })._cache, electronPath);
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) Reflect.deleteProperty(process.env, name);
    else process.env[name] = value;
  }
  await feed.close();
});

/** createUpdater's updater, pointed at the local feed and given Node's http (the two differences above). */
function updaterFor(target: UpdateTarget): () => Promise<AppUpdater> {
  return async () => {
    const updater = await createUpdater(target);
    // resources/app-update.yml as electron-builder writes it (the cache folder's name). Setting its
    // path forgets the feed, and a provider keeps the executor it was made with: so this order.
    const config = join(tempDir(), 'app-update.yml');
    writeFileSync(
      config,
      'provider: github\nowner: tlsrpt-viewer\nrepo: tlsrpt-viewer\nupdaterCacheDirName: tlsrpt-viewer-updater\n',
    );
    updater.updateConfigPath = config;
    Object.assign(updater, { httpExecutor: new NodeHttpExecutor() });
    // electron-updater's own test option: read the feed as Windows does (latest.yml), without block maps.
    if (target === 'nsis') Object.assign(updater, { _testOnlyOptions: { platform: 'win32' } });
    updater.setFeedURL({ provider: 'generic', url: feed.url });
    return updater;
  };
}

function updates(target: UpdateTarget): Updates {
  return new Updates({
    target,
    currentVersion: fake.app.getVersion(),
    settingsFile: join(tempDir(), 'update-settings.json'),
    updater: updaterFor(target),
    dialog: fake.dialog,
    openExternal: (url) => fake.shell.openExternal(url),
    window: () => null,
  });
}

/** An installed AppImage (no version in its name, so an update replaces it in place) and the release that replaces it. */
function appImages(): { installed: string; marker: string; release: Buffer } {
  const dir = tempDir();
  mkdirSync(join(dir, 'Applications'));
  const installed = join(dir, 'Applications', 'tlsrpt-viewer.AppImage');
  writeFileSync(installed, '#!/bin/sh\necho old\n', { mode: 0o755 });
  const marker = join(dir, 'started-after-install');
  // What runs after the install: it says it ran, and how it was started.
  const release = Buffer.from(`#!/bin/sh\nprintf 'silent=%s' "$APPIMAGE_SILENT_INSTALL" > '${marker}'\n`);
  process.env['APPIMAGE'] = installed;
  return { installed, marker, release };
}

describe('updates of an AppImage (electron-updater against a local feed)', () => {
  it('downloads a newer release, checks its SHA-512, and installs it when asked to restart', async () => {
    const { installed, marker, release } = appImages();
    publish(feed, '0.2.0', 'tlsrpt-viewer-0.2.0.AppImage', release);
    fake.dialog.responses = [0]; // Restart now
    expect(await updates('appimage').check(true)).toEqual({ kind: 'downloaded', version: '0.2.0' });
    expect(fake.dialog.messageBoxes.map((box) => box.message)).toEqual([
      'tlsrpt-viewer 0.2.0 is ready to install (you have 0.1.0).',
    ]);
    expect(feed.requests).toContain('/tlsrpt-viewer-0.2.0.AppImage');
    // electron-updater's install step: the checked file replaces the installed one, is started, and the app quits.
    expect(readFileSync(installed)).toEqual(release);
    await expect.poll(() => existsSync(marker), { timeout: 15_000 }).toBe(true);
    expect(readFileSync(marker, 'utf8')).toBe('silent=true');
    await expect.poll(() => fake.app.quitCalls, { timeout: 10_000 }).toBe(1);
  });

  it('refuses a file whose SHA-512 is not the feed’s, and installs nothing', async () => {
    const { installed, release } = appImages();
    publish(feed, '0.2.0', 'tlsrpt-viewer-0.2.0.AppImage', release, sha512(Buffer.from('another file')));
    const outcome = await updates('appimage').check(true);
    expect(outcome).toMatchObject({
      kind: 'failed',
      message: expect.stringMatching(/sha512 checksum mismatch/) as unknown,
    });
    expect(fake.dialog.messageBoxes).toEqual([
      expect.objectContaining({
        message: 'tlsrpt-viewer 0.2.0 could not be downloaded.',
        detail: expect.stringContaining('Nothing was installed.') as unknown,
      }),
    ]);
    expect(readFileSync(installed, 'utf8')).toBe('#!/bin/sh\necho old\n');
    expect(fake.app.quitCalls).toBe(0);
  });

  it.each(['0.1.0', '0.0.9'])(
    'reports no update when the feed’s version is %s (this copy is 0.1.0)',
    async (version) => {
      const { installed, release } = appImages();
      publish(feed, version, `tlsrpt-viewer-${version}.AppImage`, release);
      expect(await updates('appimage').check(true)).toEqual({ kind: 'current', latest: version });
      expect(fake.dialog.messageBoxes.map((box) => box.message)).toEqual(['tlsrpt-viewer 0.1.0 is up to date.']);
      // Nothing downloaded, nothing replaced.
      expect(feed.requests).toEqual(['/latest-linux.yml']);
      expect(readFileSync(installed, 'utf8')).toBe('#!/bin/sh\necho old\n');
    },
  );

  it('stays quiet on an automatic check that finds nothing or fails', async () => {
    appImages();
    publish(feed, '0.1.0', 'tlsrpt-viewer-0.1.0.AppImage', Buffer.from('x'));
    expect(await updates('appimage').check(false)).toEqual({ kind: 'current', latest: '0.1.0' });
    feed.files.clear();
    expect(await updates('appimage').check(false)).toMatchObject({ kind: 'failed' });
    expect(fake.dialog.messageBoxes).toEqual([]);
  });
});

describe('updates of the NSIS install (its feed read as on Windows)', () => {
  it('downloads a newer installer from latest.yml, checks it, and installs it on quit when the user says Later', async () => {
    const installer = Buffer.from('MZ a stand-in installer');
    publish(feed, '0.2.0', 'tlsrpt-viewer-Setup-0.2.0.exe', installer, sha512(installer), 'latest.yml');
    fake.dialog.responses = [1]; // Later
    expect(await updates('nsis').check(true)).toEqual({ kind: 'downloaded', version: '0.2.0' });
    expect(feed.requests).toEqual(['/latest.yml', '/tlsrpt-viewer-Setup-0.2.0.exe']);
    const cached = join(process.env['XDG_CACHE_HOME'] ?? '', 'tlsrpt-viewer-updater', 'pending');
    expect(readFileSync(join(cached, 'tlsrpt-viewer-Setup-0.2.0.exe'))).toEqual(installer);
    // Not now: electron-updater waits for the app's 'quit' to run the installer.
    expect(fake.app.quitCalls).toBe(0);
    expect(fake.app.listenerCount('quit')).toBe(1);
  });

  it('refuses an installer whose SHA-512 is not the feed’s', async () => {
    const installer = Buffer.from('MZ a stand-in installer');
    publish(feed, '0.2.0', 'tlsrpt-viewer-Setup-0.2.0.exe', installer, sha512(Buffer.from('MZ other')), 'latest.yml');
    expect(await updates('nsis').check(false)).toMatchObject({
      kind: 'failed',
      message: expect.stringMatching(/sha512 checksum mismatch/) as unknown,
    });
    expect(fake.dialog.messageBoxes).toEqual([]);
    expect(fake.app.listenerCount('quit')).toBe(0);
  });
});

describe('the deb (a release check only)', () => {
  it('says a newer version exists, with its release page, and downloads nothing', async () => {
    publish(feed, '0.2.0', 'tlsrpt-viewer-0.2.0.AppImage', Buffer.from('not for the deb'));
    fake.dialog.responses = [0]; // Open the release page
    expect(await updates('deb').check(false)).toEqual({ kind: 'available', version: '0.2.0' });
    const [box] = fake.dialog.messageBoxes;
    expect(box?.message).toBe('tlsrpt-viewer 0.2.0 is out (you have 0.1.0).');
    expect(box?.detail).toContain('installed from a .deb package, which cannot update itself');
    expect(box?.buttons).toEqual(['Open the release page', 'Later']);
    expect(fake.shell.opened).toEqual([`${APP_HOMEPAGE}/releases/tag/v0.2.0`]);
    expect(releasePageUrl('0.2.0')).toBe('https://github.com/tlsrpt-viewer/tlsrpt-viewer/releases/tag/v0.2.0');
    expect(feed.requests).toEqual(['/latest-linux.yml']);
  });

  it('says nothing of an equal or older release on its own, and that it is up to date when asked', async () => {
    publish(feed, '0.1.0', 'tlsrpt-viewer-0.1.0.AppImage', Buffer.from('x'));
    expect(await updates('deb').check(false)).toEqual({ kind: 'current', latest: '0.1.0' });
    expect(fake.dialog.messageBoxes).toEqual([]);
    publish(feed, '0.0.9', 'tlsrpt-viewer-0.0.9.AppImage', Buffer.from('x'));
    expect(await updates('deb').check(true)).toEqual({ kind: 'current', latest: '0.0.9' });
    expect(fake.dialog.messageBoxes.map((box) => box.message)).toEqual(['tlsrpt-viewer 0.1.0 is up to date.']);
    expect(fake.shell.opened).toEqual([]);
  });
});

describe('which copy updates how', () => {
  it('knows the installer from the platform, APPIMAGE and the deb’s resources/package-type', () => {
    const resources = tempDir();
    const copy = { platform: 'linux' as const, isPackaged: true, env: {}, resourcesPath: resources };
    expect(updateTarget(copy)).toBeNull();
    expect(updateTarget({ ...copy, env: { APPIMAGE: '/home/me/tlsrpt-viewer.AppImage' } })).toBe('appimage');
    writeFileSync(join(resources, 'package-type'), 'deb');
    expect(updateTarget(copy)).toBe('deb');
    expect(updateTarget({ ...copy, isPackaged: false })).toBeNull();
    expect(updateTarget({ ...copy, platform: 'win32' })).toBe('nsis');
    expect(updateTarget({ ...copy, platform: 'darwin' })).toBe('mac');
  });

  it('reads the feed electron-builder.yml publishes to, and builds the installers it updates from', () => {
    const yml = readFileSync(join(repoRoot, 'build', 'electron-builder.yml'), 'utf8');
    // A top-level key's indented lines, comments left out.
    const block = (key: string): string[] =>
      (new RegExp(`^${key}:\\n((?:[ #].*\\n)*)`, 'm').exec(yml)?.[1] ?? '')
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '' && !line.startsWith('#'));
    const listUnder = (key: string, entry: string): string[] => {
      const lines = block(key);
      const start = lines.indexOf(`${entry}:`);
      const items: string[] = [];
      for (const line of lines.slice(start + 1)) {
        if (!line.startsWith('- ')) break;
        items.push(line.slice(2));
      }
      return items;
    };
    const config = {
      publish: Object.fromEntries(block('publish').map((line) => line.split(': ') as [string, string])),
      mac: { target: listUnder('mac', 'target') },
      linux: { target: listUnder('linux', 'target') },
      win: {
        target: block('win')
          .find((line) => line.startsWith('target: '))
          ?.slice('target: '.length),
      },
    };
    expect(config.publish).toEqual(UPDATE_FEED);
    expect(`https://github.com/${UPDATE_FEED.owner}/${UPDATE_FEED.repo}`).toBe(APP_HOMEPAGE);
    // Squirrel.Mac updates from the zip; the dmg is for the first install.
    expect(config.mac.target).toEqual(['dmg', 'zip']);
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.win.target).toBe('nsis');
  });

  it('keeps the setting, on by default, and the menu item toggles it', () => {
    const file = join(tempDir(), 'update-settings.json');
    expect(loadUpdateSettings(file)).toEqual({ checkAutomatically: true });
    writeFileSync(file, 'not json');
    expect(loadUpdateSettings(file)).toEqual({ checkAutomatically: true });
    const made = new Updates({
      target: null,
      currentVersion: '0.1.0',
      settingsFile: file,
      updater: () => Promise.reject(new Error('not installed')),
      dialog: fake.dialog,
      openExternal: () => Promise.resolve(),
      window: () => null,
    });
    const items = fake.Menu.buildFromTemplate(made.menuItems() as never).items;
    expect(items.map((item) => item.label)).toEqual(['Check for updates…', 'Check for updates automatically']);
    expect(items[1]?.checked).toBe(true);
    items[1]?.click?.();
    expect(loadUpdateSettings(file)).toEqual({ checkAutomatically: false });
  });
});
