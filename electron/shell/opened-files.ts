import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The files a command line names: what "Open with tlsrpt-viewer", a file
 * dropped on the taskbar or dock icon, or `tlsrpt-viewer report.json.gz`
 * starts the app with. Switches (Chromium's and Electron's, which a second
 * instance's argv carries too) are skipped; relative paths are resolved
 * against the folder the command ran in; `file://` URLs (a .desktop file's
 * `%U`) become paths, any other URL (`https:`, `mailto:`…) is skipped: only files are opened.
 * `skip` is how many leading entries are the program itself: the executable
 * in a packaged app, the executable and the app's folder or script otherwise.
 */
export function reportPathsFromArgv(argv: readonly string[], workingDirectory: string, skip: number): string[] {
  const paths: string[] = [];
  for (const entry of argv.slice(skip)) {
    if (entry === '' || entry.startsWith('-')) continue;
    // A scheme of two letters or more: `C:\…` is a Windows path, not a URL.
    if (/^[a-z][a-z0-9+.-]+:/i.test(entry)) {
      if (!entry.toLowerCase().startsWith('file://')) continue;
      try {
        paths.push(fileURLToPath(entry));
      } catch {
        // A file:// URL of another host cannot be opened here.
      }
      continue;
    }
    paths.push(isAbsolute(entry) ? entry : resolve(workingDirectory, entry));
  }
  return paths;
}

/**
 * Files the OS asked the app to open, held until the page takes them: they
 * can arrive before the window exists (macOS sends `open-file` before
 * `ready`), or while the page is still loading.
 */
export class OpenedFiles {
  private queued: string[] = [];

  add(paths: readonly string[]): boolean {
    this.queued.push(...paths);
    return paths.length > 0;
  }

  take(): string[] {
    const taken = this.queued;
    this.queued = [];
    return taken;
  }
}
