import { readFile } from 'node:fs/promises';
import type { Protocol } from 'electron';
import { SECURITY_HEADERS, resolveStaticFile } from '../backend/serve/static-files.js';
import { APP_HOST, APP_SCHEME } from './security.js';

/** Must run before the app is ready: makes `app://` a secure, standard origin. */
export function registerAppScheme(protocol: Protocol): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

/** Answers one `app://` request from the built renderer, with the same security headers as serve mode. */
async function rendererResponse(rendererDir: string, url: string): Promise<Response> {
  const parsed = new URL(url);
  if (parsed.host !== APP_HOST) return new Response('Not found', { status: 404 });
  const found = resolveStaticFile(rendererDir, parsed.pathname);
  if (!found) return new Response('Not found', { status: 404 });
  return new Response(await readFile(found.file), {
    status: 200,
    headers: { ...SECURITY_HEADERS, 'Content-Type': found.contentType },
  });
}

export function serveRendererOnAppScheme(protocol: Protocol, rendererDir: string): void {
  protocol.handle(APP_SCHEME, (request) => rendererResponse(rendererDir, request.url));
}
