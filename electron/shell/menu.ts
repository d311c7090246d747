import type { AboutPanelOptionsOptions, MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  importFiles(): void;
  importFolder(): void;
  showAbout(): void;
}

/**
 * The native menu: File, Edit, View, Help (and the app and Window menus on
 * macOS). macOS sends Cmd+C/V/X/A/Z to a text field only through menu items
 * with those roles: without the Edit menu, copy and paste do nothing in the
 * Policies box or the mailbox password field.
 */
export function menuTemplate(actions: MenuActions, platform: NodeJS.Platform): MenuItemConstructorOptions[] {
  const isMac = platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [];
  if (isMac) {
    template.push({
      label: 'tlsrpt-viewer',
      submenu: [
        { role: 'about' },
        { type: 'separator' },
        { role: 'services' },
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        { role: 'quit' },
      ],
    });
  }
  template.push(
    {
      label: 'File',
      submenu: [
        { label: 'Import files…', accelerator: 'CmdOrCtrl+O', click: () => actions.importFiles() },
        { label: 'Import folder…', accelerator: 'CmdOrCtrl+Shift+O', click: () => actions.importFolder() },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    // Electron fills in the platform's own Edit menu (undo … select all, and on macOS substitutions and speech).
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { role: 'reload' },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
  );
  // macOS lists an app's windows and Minimize/Zoom there; elsewhere the title bar has them.
  if (isMac) template.push({ role: 'windowMenu' });
  template.push({
    label: 'Help',
    submenu: [{ label: 'About tlsrpt-viewer', click: () => actions.showAbout() }],
  });
  return template;
}

const APP_COPYRIGHT = 'Copyright © tlsrpt-viewer developers';
/** package.json's homepage (a test keeps the two equal): electron-builder needs it for the deb. */
export const APP_HOMEPAGE = 'https://github.com/tlsrpt-viewer/tlsrpt-viewer';

/**
 * What the About panel shows. On Linux it shows only what is set here (there
 * are no defaults); macOS and Windows fill in the rest from the bundle.
 */
export function aboutPanelOptions(version: string): AboutPanelOptionsOptions {
  return {
    applicationName: 'tlsrpt-viewer',
    applicationVersion: version,
    copyright: APP_COPYRIGHT,
    credits: 'Reads SMTP TLS reports (TLS-RPT, RFC 8460) offline.',
    authors: ['tlsrpt-viewer developers'],
    website: APP_HOMEPAGE,
  };
}
