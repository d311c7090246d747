import type * as Electron from 'electron';
import type { ElectronModule } from './desktop-app.js';

/**
 * A window whose page process is gone (a crash, an out-of-memory kill…)
 * stays blank until something reloads it. The first time, it is reloaded
 * at once: one crash is likely a one-off. After that the user is asked,
 * with the reason, so a page that crashes on load cannot loop.
 */
export function reloadAfterRendererCrash(
  electron: Pick<ElectronModule, 'app' | 'dialog'>,
  window: Electron.BrowserWindow,
): void {
  let reloaded = false;
  window.webContents.on('render-process-gone', (_event, details) => {
    if (window.isDestroyed()) return;
    if (!reloaded) {
      reloaded = true;
      window.webContents.reload();
      return;
    }
    void electron.dialog
      .showMessageBox(window, {
        type: 'error',
        title: 'tlsrpt-viewer',
        message: 'The tlsrpt-viewer window stopped working again.',
        detail: [
          `Its page process ended (${details.reason}, exit code ${details.exitCode}); it was reloaded once already.`,
          'Your reports are kept: they are stored by another process, which is still running.',
        ].join('\n\n'),
        buttons: ['Reload', 'Quit'],
        defaultId: 0,
        cancelId: 1,
        noLink: true,
      })
      .then(({ response }) => {
        if (response === 0 && !window.isDestroyed()) window.webContents.reload();
        else if (response !== 0) electron.app.quit();
      });
  });
}
