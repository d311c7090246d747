// Alerts where the user is: the backend decides which error findings are new
// (electron/backend/notify/) and sends them here; main shows each notice as a
// system notification, whose click opens the domain's page, and, when the
// user asked for it, keeps the app running with no window so that mailbox
// syncs go on and their news still reaches them (a tray icon on Linux and
// Windows; the dock on macOS, where apps stay running without windows).
import type * as Electron from 'electron';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { findingSummary } from '../../shared/health/assess-domain.js';
import { noticeTitle, type FindingsNotice } from '../../shared/health/notice.js';

export interface AlertSettings {
  /** Show new error findings as system notifications. */
  notify: boolean;
  /** Keep running when the window is closed, so syncs and their notifications go on. Off by default. */
  background: boolean;
}

const DEFAULT_ALERT_SETTINGS: AlertSettings = { notify: true, background: false };

/** The settings file, or the defaults where it is missing or unreadable (a hand-edited file must not stop the app). */
function loadAlertSettings(file: string): AlertSettings {
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Partial<Record<keyof AlertSettings, unknown>>;
    return {
      notify: typeof saved.notify === 'boolean' ? saved.notify : DEFAULT_ALERT_SETTINGS.notify,
      background: typeof saved.background === 'boolean' ? saved.background : DEFAULT_ALERT_SETTINGS.background,
    };
  } catch {
    return { ...DEFAULT_ALERT_SETTINGS };
  }
}

/** Notifications shown for one notice at most: a first import may find dozens at once. */
const MAX_NOTIFICATIONS = 5;

export type AlertsElectron = Pick<typeof Electron, 'Notification' | 'Tray' | 'Menu'>;

export interface DesktopAlertsOptions {
  settingsFile: string;
  platform: NodeJS.Platform;
  /** The tray icon (a PNG; its @2x beside it for high-DPI screens). */
  trayIcon: string;
  /** Shows the window (re-created if it was closed) on a domain's page, or where it was. */
  openWindow: (domain: string | null) => void;
  quit: () => void;
}

export class DesktopAlerts {
  private settings: AlertSettings;
  private tray: Electron.Tray | null = null;
  /**
   * Notifications still on screen: Electron's docs warn that one no longer
   * referenced may be garbage-collected, and its 'click' then never comes.
   */
  private readonly onScreen = new Set<Electron.Notification>();

  constructor(
    private readonly electron: AlertsElectron,
    private readonly options: DesktopAlertsOptions,
  ) {
    this.settings = loadAlertSettings(options.settingsFile);
  }

  get current(): AlertSettings {
    return { ...this.settings };
  }

  /** Whether closing the last window leaves the app running. */
  keepsRunning(): boolean {
    return this.settings.background;
  }

  change(next: Partial<AlertSettings>): void {
    this.settings = { ...this.settings, ...next };
    try {
      mkdirSync(dirname(this.options.settingsFile), { recursive: true });
      writeFileSync(this.options.settingsFile, `${JSON.stringify(this.settings)}\n`);
    } catch {
      // Kept for this run; the next start uses the defaults, which is safe.
    }
    if (!this.settings.background) this.removeTray();
  }

  /** The File menu's two check boxes. */
  menuItems(): Electron.MenuItemConstructorOptions[] {
    return [
      {
        label: 'Notify me of new TLS errors',
        type: 'checkbox',
        checked: this.settings.notify,
        click: (item) => this.change({ notify: item.checked }),
      },
      {
        label: 'Keep running to sync when the window is closed',
        type: 'checkbox',
        checked: this.settings.background,
        click: (item) => this.change({ background: item.checked }),
      },
    ];
  }

  /** The last window closed: with the background setting, stay (in the tray, or the dock on macOS); else quit. */
  lastWindowClosed(): void {
    if (!this.settings.background) {
      this.options.quit();
      return;
    }
    if (this.options.platform !== 'darwin') this.showTray();
  }

  /**
   * One notification per new finding, each opening its domain's page; past
   * MAX_NOTIFICATIONS (a first import that finds many at once), the rest are
   * counted in one more, which opens the window where it was.
   */
  show(notice: FindingsNotice): void {
    const { Notification } = this.electron;
    if (notice.findings.length === 0 || !this.settings.notify || !Notification.isSupported()) return;
    const many = notice.findings.length > MAX_NOTIFICATIONS;
    const each = many ? notice.findings.slice(0, MAX_NOTIFICATIONS - 1) : notice.findings;
    for (const finding of each) {
      this.notify(noticeTitle([finding]), `${findingSummary(finding)} ${finding.fix}`, finding.domain);
    }
    if (many) {
      const rest = notice.findings.slice(each.length);
      this.notify(noticeTitle(rest), rest.map((finding) => finding.domain).join(', '), null);
    }
  }

  private notify(title: string, body: string, domain: string | null): void {
    const notification = new this.electron.Notification({ title, body });
    this.onScreen.add(notification);
    const release = (): void => {
      this.onScreen.delete(notification);
    };
    notification.on('close', release);
    notification.on('failed', release);
    notification.on('click', () => {
      release();
      this.options.openWindow(domain);
    });
    notification.show();
  }

  private showTray(): void {
    if (this.tray) return;
    const { Tray, Menu } = this.electron;
    const tray = new Tray(this.options.trayIcon);
    tray.setToolTip('tlsrpt-viewer: syncing in the background');
    // Linux's app indicators show only a menu (no click events): it holds every action.
    tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: 'Open tlsrpt-viewer', click: () => this.options.openWindow(null) },
        { type: 'separator' },
        { label: 'Quit', click: () => this.options.quit() },
      ]),
    );
    tray.on('click', () => this.options.openWindow(null));
    this.tray = tray;
  }

  /** With a window open again, or the setting off, the tray icon goes. */
  removeTray(): void {
    this.tray?.destroy();
    this.tray = null;
  }
}
