// Keeps an installed copy up to date. The window shows text written by
// strangers, so an old Electron (an old Chromium) is a risk: releases are
// published on GitHub (build/electron-builder.yml `publish`), and
// electron-updater fetches the feed (latest.yml, latest-mac.yml,
// latest-linux.yml), downloads the new installer and checks its SHA-512
// before anything runs (on Windows also the installer's signature, when the
// release is signed). The deb cannot update itself (it belongs to the
// package manager, and electron-updater's DebUpdater would need root): there
// the same feed only says that a newer version exists, with its release page.
import type * as Electron from 'electron';
import type { AppUpdater } from 'electron-updater';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { APP_HOMEPAGE } from './menu.js';

/** How this copy was installed, for what it can do about updates. */
export type UpdateTarget = 'nsis' | 'appimage' | 'mac' | 'deb';

/** Where releases are published: build/electron-builder.yml's `publish` (a test keeps the two equal). */
export const UPDATE_FEED = { provider: 'github', owner: 'tlsrpt-viewer', repo: 'tlsrpt-viewer' } as const;

/** A release's page, for the deb's notice. */
export function releasePageUrl(version: string): string {
  return `${APP_HOMEPAGE}/releases/tag/v${version}`;
}

/**
 * Which installer made this copy: only a packaged app updates (a clone
 * updates with git). On Linux the AppImage's runtime sets APPIMAGE, and
 * electron-builder writes resources/package-type ("deb") into the deb.
 */
export function updateTarget(copy: {
  platform: NodeJS.Platform;
  isPackaged: boolean;
  env: NodeJS.ProcessEnv;
  resourcesPath: string | undefined;
}): UpdateTarget | null {
  if (!copy.isPackaged) return null;
  if (copy.platform === 'win32') return 'nsis';
  if (copy.platform === 'darwin') return 'mac';
  if (copy.platform !== 'linux') return null;
  const appImage = copy.env['APPIMAGE'];
  if (appImage !== undefined && appImage !== '') return 'appimage';
  return packageType(copy.resourcesPath) === 'deb' ? 'deb' : null;
}

function packageType(resourcesPath: string | undefined): string | null {
  if (resourcesPath === undefined) return null;
  const file = join(resourcesPath, 'package-type');
  try {
    return existsSync(file) ? readFileSync(file, 'utf8').trim() : null;
  } catch {
    return null;
  }
}

/**
 * electron-updater's updater for the target, reading the GitHub feed.
 * Loaded on first use: the window does not wait for it.
 */
export async function createUpdater(target: UpdateTarget): Promise<AppUpdater> {
  const { AppImageUpdater, DebUpdater, MacUpdater, NsisUpdater } = await import('electron-updater');
  const updater =
    target === 'nsis'
      ? new NsisUpdater()
      : target === 'mac'
        ? new MacUpdater()
        : target === 'appimage'
          ? new AppImageUpdater()
          : new DebUpdater();
  updater.setFeedURL(UPDATE_FEED);
  // The deb only hears of a release; the others download it at once and install it on quit, or when asked.
  updater.autoDownload = target !== 'deb';
  updater.autoInstallOnAppQuit = target !== 'deb';
  // Our NSIS installer is a full one; a web installer's package would be fetched unsigned.
  updater.disableWebInstaller = true;
  updater.allowDowngrade = false;
  updater.allowPrerelease = false;
  updater.logger = null;
  return updater;
}

export interface UpdateSettings {
  /** Look for a new release at start and every day after. On by default. */
  checkAutomatically: boolean;
}

const DEFAULT_UPDATE_SETTINGS: UpdateSettings = { checkAutomatically: true };

/** The settings file, or the defaults where it is missing or unreadable. */
export function loadUpdateSettings(file: string): UpdateSettings {
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { checkAutomatically?: unknown };
    return {
      checkAutomatically:
        typeof saved.checkAutomatically === 'boolean'
          ? saved.checkAutomatically
          : DEFAULT_UPDATE_SETTINGS.checkAutomatically,
    };
  } catch {
    return { ...DEFAULT_UPDATE_SETTINGS };
  }
}

/** What one check found. */
export type UpdateOutcome =
  | { kind: 'not-installed' }
  | { kind: 'current'; latest: string }
  /** The deb: a newer release exists; the user was told, with its page. */
  | { kind: 'available'; version: string }
  /** Downloaded and checked; installed now (restart) or when the app quits. */
  | { kind: 'downloaded'; version: string }
  | { kind: 'failed'; message: string };

export interface UpdatesOptions {
  /** null: a copy that cannot update itself (run from a clone). */
  target: UpdateTarget | null;
  currentVersion: string;
  settingsFile: string;
  updater: () => Promise<AppUpdater>;
  dialog: Pick<Electron.Dialog, 'showMessageBox'>;
  openExternal: (url: string) => Promise<void>;
  window: () => Electron.BrowserWindow | null;
}

/** A day: how often a running app looks again. */
const CHECK_EVERY_MS = 24 * 60 * 60 * 1000;

export class Updates {
  private settings: UpdateSettings;
  private updater: Promise<AppUpdater> | null = null;
  private running: Promise<UpdateOutcome> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly options: UpdatesOptions) {
    this.settings = loadUpdateSettings(options.settingsFile);
  }

  get current(): UpdateSettings {
    return { ...this.settings };
  }

  /** At start: the first automatic check, and one a day after, when the setting is on. */
  start(): void {
    if (!this.settings.checkAutomatically || this.options.target === null) return;
    void this.check(false);
    this.timer ??= setInterval(() => {
      if (this.settings.checkAutomatically) void this.check(false);
    }, CHECK_EVERY_MS);
    // A pending check must not keep a quitting app alive.
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  change(next: Partial<UpdateSettings>): void {
    this.settings = { ...this.settings, ...next };
    try {
      mkdirSync(dirname(this.options.settingsFile), { recursive: true });
      writeFileSync(this.options.settingsFile, `${JSON.stringify(this.settings)}\n`);
    } catch {
      // Kept for this run; the next start uses the default (on), which is safe.
    }
    if (this.settings.checkAutomatically) this.start();
    else this.stop();
  }

  /** The Help menu's items (the app menu's on macOS). */
  menuItems(): Electron.MenuItemConstructorOptions[] {
    return [
      { label: 'Check for updates…', click: () => void this.check(true) },
      {
        label: 'Check for updates automatically',
        type: 'checkbox',
        checked: this.settings.checkAutomatically,
        click: (item) => this.change({ checkAutomatically: item.checked }),
      },
    ];
  }

  /**
   * Looks for a newer release. `asked`: from the menu, so every outcome is
   * said; an automatic check speaks only when there is something to do
   * (a failure then waits for the next check: the machine may be offline).
   */
  check(asked: boolean): Promise<UpdateOutcome> {
    this.running ??= this.checkOnce(asked).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async checkOnce(asked: boolean): Promise<UpdateOutcome> {
    const { target, currentVersion } = this.options;
    if (target === null) {
      if (asked)
        await this.say('info', 'This copy of tlsrpt-viewer is not an installed one.', [
          'It runs from a clone of the source (npm start): update it with git pull.',
        ]);
      return { kind: 'not-installed' };
    }
    let found: { version: string; available: boolean; download: Promise<unknown> | null };
    try {
      this.updater ??= this.options.updater();
      const result = await (await this.updater).checkForUpdates();
      if (result === null) throw new Error('the updater is not active in this copy');
      found = {
        version: result.updateInfo.version,
        available: result.isUpdateAvailable,
        download: result.downloadPromise ?? null,
      };
    } catch (error) {
      const message = describe(error);
      if (asked) await this.say('error', 'tlsrpt-viewer could not check for updates.', [message]);
      return { kind: 'failed', message };
    }
    if (!found.available) {
      if (asked)
        await this.say('info', `tlsrpt-viewer ${currentVersion} is up to date.`, [
          `The latest release is ${found.version}.`,
        ]);
      return { kind: 'current', latest: found.version };
    }
    if (target === 'deb') {
      const page = releasePageUrl(found.version);
      const response = await this.say(
        'info',
        `tlsrpt-viewer ${found.version} is out (you have ${currentVersion}).`,
        [
          'This copy was installed from a .deb package, which cannot update itself.',
          `Download the new .deb from its release page and install it: ${page}`,
        ],
        ['Open the release page', 'Later'],
      );
      if (response === 0) await this.options.openExternal(page).catch(() => undefined);
      return { kind: 'available', version: found.version };
    }
    try {
      // electron-updater checks the file's SHA-512 against the feed before it keeps it.
      await found.download;
    } catch (error) {
      const message = describe(error);
      if (asked)
        await this.say('error', `tlsrpt-viewer ${found.version} could not be downloaded.`, [
          message,
          'Nothing was installed.',
        ]);
      return { kind: 'failed', message };
    }
    const response = await this.say(
      'info',
      `tlsrpt-viewer ${found.version} is ready to install (you have ${currentVersion}).`,
      ['Restart now to install it, or it is installed when you quit.'],
      ['Restart now', 'Later'],
    );
    if (response === 0) (await this.updater).quitAndInstall();
    return { kind: 'downloaded', version: found.version };
  }

  private async say(
    type: 'info' | 'error',
    message: string,
    detail: string[],
    buttons: string[] = ['OK'],
  ): Promise<number> {
    const box: Electron.MessageBoxOptions = {
      type,
      title: 'tlsrpt-viewer',
      message,
      detail: detail.join('\n\n'),
      buttons,
      defaultId: 0,
      cancelId: buttons.length - 1,
      noLink: true,
    };
    const window = this.options.window();
    const { response } = window
      ? await this.options.dialog.showMessageBox(window, box)
      : await this.options.dialog.showMessageBox(box);
    return response;
  }
}

function describe(error: unknown): string {
  return error instanceof Error && error.message !== '' ? error.message : String(error);
}
