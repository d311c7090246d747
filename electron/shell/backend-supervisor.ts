import type * as Electron from 'electron';
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ApiResult } from '../../shared/api/contract.js';
import type { FindingsNotice } from '../../shared/health/notice.js';
import { isPreMigrationBackupOf } from '../backend/database-files.js';
import { BackendClient, type BackendToMain, type StartupProblem } from './backend-client.js';
import type { ElectronModule } from './desktop-app.js';

type SupervisorElectron = Pick<ElectronModule, 'app' | 'dialog' | 'shell' | 'utilityProcess' | 'safeStorage'>;

export interface BackendSpec {
  entry: string;
  databasePath: string;
  /** The backend's arguments for a database file. */
  args: (databasePath: string) => string[];
  window: () => Electron.BrowserWindow | null;
  /** New error findings the backend decided to announce. */
  onNotice?: (notice: FindingsNotice) => void;
}

/** How much of the backend's stderr is kept for the dialog: its last lines, where a fatal error ends. */
const STDERR_KEPT = 2000;

const SYNCS_STOPPED = 'Mailbox syncs stopped with it: after a restart, start them again in Mailboxes.';

/**
 * The backend process, watched. When it stops on its own (a crash, a fatal
 * V8 error, an out-of-memory kill), the open calls are answered as
 * unreachable and the user is asked whether to restart it or quit; nothing
 * restarts it behind their back, so a backend that dies at once cannot
 * loop. One that cannot start says why in words (a StartupProblem); for a
 * database problem the choices are to quit, show the file, or open a
 * backup, since restarting on the same file fails the same way.
 */
export class BackendSupervisor {
  private process: Electron.UtilityProcess;
  private client: BackendClient;
  private stopping = false;
  private lastError: string | null = null;
  private stderr = '';
  private databasePath: string;
  restarts = 0;

  constructor(
    private readonly electron: SupervisorElectron,
    private readonly spec: BackendSpec,
  ) {
    this.databasePath = spec.databasePath;
    ({ process: this.process, client: this.client } = this.fork());
  }

  call(method: Parameters<BackendClient['call']>[0], request: unknown): Promise<ApiResult<unknown>> {
    return this.client.call(method, request);
  }

  /** A CSV export written by the backend to a file main's save dialog chose (BackendClient.exportCsv). */
  exportCsv(request: unknown, file: string): Promise<ApiResult<unknown>> {
    return this.client.exportCsv(request, file);
  }

  stop(): void {
    this.stopping = true;
    this.process.kill();
  }

  private fork(): { process: Electron.UtilityProcess; client: BackendClient } {
    this.stderr = '';
    const child = this.electron.utilityProcess.fork(this.spec.entry, this.spec.args(this.databasePath), {
      serviceName: 'tlsrpt-viewer backend',
      // stderr is piped so that a crash's last words reach the dialog; they are passed on to main's stderr too.
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      this.stderr = (this.stderr + chunk.toString()).slice(-STDERR_KEPT);
    });
    let explained = false;
    child.on('message', (message: BackendToMain) => {
      if ('findingsNotice' in message) {
        this.spec.onNotice?.(message.findingsNotice);
        return;
      }
      if (!('startupProblem' in message) || child !== this.process) return;
      explained = true;
      child.kill();
      void this.explainStartupProblem(message.startupProblem);
    });
    // A UtilityProcess is an EventEmitter: an 'error' nobody listens to would
    // be thrown in main. 'exit' always follows it, and reports it.
    child.on('error', (type, location) => {
      this.lastError = `${type} at ${location}`;
    });
    child.on('exit', (code) => {
      if (this.stopping || explained || child !== this.process) return;
      void this.askAfterExit(code);
    });
    return { process: child, client: new BackendClient(child, this.electron.safeStorage) };
  }

  private restart(databasePath = this.databasePath): void {
    this.databasePath = databasePath;
    this.restarts += 1;
    ({ process: this.process, client: this.client } = this.fork());
  }

  private async ask(options: Electron.MessageBoxOptions): Promise<number> {
    const window = this.spec.window();
    const { response } = window
      ? await this.electron.dialog.showMessageBox(window, options)
      : await this.electron.dialog.showMessageBox(options);
    return response;
  }

  private async askAfterExit(code: number): Promise<void> {
    const lastWords = this.stderr.trim().split('\n').slice(-5).join('\n');
    const detail = [
      `The backend process stopped (exit code ${code}${this.lastError ? `, ${this.lastError}` : ''}).`,
      ...(lastWords ? [`It said:\n${lastWords}`] : []),
      'An import that was running stopped with it; what it had stored is kept, and importing the same files again adds only what is missing.',
      SYNCS_STOPPED,
    ].join('\n\n');
    this.lastError = null;
    const response = await this.ask({
      type: 'error',
      title: 'tlsrpt-viewer',
      message: 'The part of tlsrpt-viewer that reads and stores reports stopped.',
      detail,
      buttons: ['Restart it', 'Quit'],
      defaultId: 0,
      cancelId: 1,
      noLink: true,
    });
    if (response !== 0) {
      this.electron.app.quit();
      return;
    }
    this.restart();
  }

  private async explainStartupProblem(problem: StartupProblem['startupProblem']): Promise<void> {
    if (problem.kind === 'other') {
      const response = await this.ask({
        type: 'error',
        title: 'tlsrpt-viewer',
        message: 'The part of tlsrpt-viewer that reads and stores reports could not start.',
        detail: `${problem.message}\n\n${SYNCS_STOPPED}`,
        buttons: ['Restart it', 'Quit'],
        defaultId: 1,
        cancelId: 1,
        noLink: true,
      });
      if (response === 0) this.restart();
      else this.electron.app.quit();
      return;
    }
    const backups = preMigrationBackups(problem.file);
    const detail = [
      problem.message,
      backups.length > 0
        ? `Copies made before the last upgrades, beside it: ${backups.map((file) => basename(file)).join(', ')}.`
        : 'Open a backup to use a copy made with "tlsrpt backup" (or one made before an upgrade, named like the file with ".schema-N-backup-…"); the file above is left as it is.',
      SYNCS_STOPPED,
    ].join('\n\n');
    for (;;) {
      const response = await this.ask({
        type: 'error',
        title: 'tlsrpt-viewer',
        message: 'tlsrpt-viewer cannot open its database.',
        detail,
        buttons: ['Quit', 'Show the file', 'Open a backup…'],
        defaultId: 0,
        cancelId: 0,
        noLink: true,
      });
      if (response === 1) {
        this.electron.shell.showItemInFolder(problem.file);
        continue;
      }
      if (response === 2) {
        const backup = await this.chooseBackup(problem.file, backups);
        if (backup === null) continue;
        this.restart(backup);
        return;
      }
      this.electron.app.quit();
      return;
    }
  }

  private async chooseBackup(file: string, backups: string[]): Promise<string | null> {
    const options: Electron.OpenDialogOptions = {
      title: 'Open a backup of the database',
      defaultPath: backups.at(-1) ?? dirname(file),
      properties: ['openFile'],
    };
    const window = this.spec.window();
    const choice = window
      ? await this.electron.dialog.showOpenDialog(window, options)
      : await this.electron.dialog.showOpenDialog(options);
    return choice.canceled ? null : (choice.filePaths[0] ?? null);
  }
}

/** The pre-migration backups beside a database file, oldest first (their names end in a sortable time stamp). */
function preMigrationBackups(file: string): string[] {
  try {
    return readdirSync(dirname(file))
      .filter((name) => isPreMigrationBackupOf(basename(file), name))
      .sort()
      .map((name) => join(dirname(file), name));
  } catch {
    return [];
  }
}
