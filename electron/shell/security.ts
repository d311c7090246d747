import type { BrowserWindowConstructorOptions, WebContents, WebPreferences } from 'electron';

/** The app's own origin: the built renderer is served on this privileged scheme, never from file://. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'tlsrpt';
export const APP_ENTRY_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** True only for URLs of the app's own origin, by parsing, never by substring. */
export function isAppUrl(url: string | undefined | null): boolean {
  if (!url) return false;
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}

/**
 * Report fields are attacker-controlled: the page gets no Node, runs in the
 * OS sandbox, and sees only what the preload exposes.
 */
function secureWebPreferences(preload: string): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
  };
}

export function mainWindowOptions(
  preload: string,
  bounds: { x?: number | undefined; y?: number | undefined; width: number; height: number },
): BrowserWindowConstructorOptions {
  return {
    ...bounds,
    minWidth: 800,
    minHeight: 500,
    title: 'tlsrpt-viewer',
    show: false,
    backgroundColor: '#14171b',
    webPreferences: secureWebPreferences(preload),
  };
}

/**
 * Keeps a window on the app: no navigation or redirect elsewhere, no new
 * windows, no webviews, no permissions (camera, microphone, …) but
 * notifications for the app's own page. A link the page opens in a new
 * window is handed to `openRequested`, which decides whether the system
 * browser may open it (only a pending sign-in page, see SignInPages); the
 * app itself never opens a window for it.
 */
export function hardenWebContents(contents: WebContents, openRequested: (url: string) => void = () => undefined): void {
  // The URL is read from the event's details: the positional url argument is deprecated since Electron 25.
  const stayOnApp = (details: { url: string; preventDefault(): void }): void => {
    if (!isAppUrl(details.url)) details.preventDefault();
  };
  contents.on('will-navigate', stayOnApp);
  contents.on('will-redirect', stayOnApp);
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    openRequested(url);
    return { action: 'deny' };
  });
  // One permission only: notifications of new error findings, asked by the app's own page.
  contents.session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    callback(permission === 'notifications' && isAppUrl(details.requestingUrl));
  });
  contents.session.setPermissionCheckHandler(
    (_contents, permission, requestingOrigin) => permission === 'notifications' && isAppUrl(requestingOrigin),
  );
}
