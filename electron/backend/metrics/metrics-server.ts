import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { TlsRptMetrics } from './tlsrpt-metrics.js';

/**
 * `GET /metrics` on a listener of its own, for a process that serves
 * nothing else (`sync --poll --metrics-port N`). Every other request is
 * answered 404; a scrape that fails answers 500 with the reason.
 */
export async function startMetricsServer(metrics: TlsRptMetrics, host: string, port: number): Promise<Server> {
  const server = createServer({ headersTimeout: 10_000, requestTimeout: 30_000 }, (request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('Only GET /metrics is answered here.\n');
      return;
    }
    metrics.render().then(
      ({ contentType, body }) => {
        response.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
        response.end(request.method === 'HEAD' ? undefined : body);
      },
      (error: unknown) => {
        response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        response.end(`The metrics could not be read: ${error instanceof Error ? error.message : String(error)}\n`);
      },
    );
  });
  server.listen(port, host);
  await once(server, 'listening');
  return server;
}
