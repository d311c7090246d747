import { homedir } from 'node:os';
import { join } from 'node:path';

export const APP_NAME = 'tlsrpt-viewer';
export const DATABASE_FILE_NAME = 'reports.sqlite';

/**
 * The per-user folder where the desktop app keeps its data: the same folder
 * Electron's `app.getPath('userData')` gives for this app name, so the
 * command line and the app share one database by default.
 */
export function userDataFolder(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), APP_NAME);
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', APP_NAME);
  // Linux and every other Unix: the XDG base directories. The spec treats an
  // empty XDG_CONFIG_HOME as unset, hence || and not ??.
  // eslint-disable-next-line @typescript-eslint/prefer-nullish-coalescing
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), APP_NAME);
}

/** `--db` wins, then the TLSRPT_DB environment variable, then the app's own file. */
export function resolveDatabasePath(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return explicit;
  if (env.TLSRPT_DB) return env.TLSRPT_DB;
  return join(userDataFolder(env), DATABASE_FILE_NAME);
}
