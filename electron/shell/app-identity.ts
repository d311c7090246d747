/**
 * build/electron-builder.yml's appId (a test keeps the two equal). On
 * Windows the NSIS installer gives the Start-menu shortcut this Application
 * User Model ID; the running app must claim the same one, or Windows shows
 * its notifications for no app (or not at all) and groups its taskbar button
 * apart from the pinned shortcut.
 */
export const APP_ID = 'io.github.tlsrpt-viewer';
