// --admin-port: a separate plain-HTTP listener (127.0.0.1 by default) for the load balancer and
// the monitoring system, never the public one: /healthz, /readyz, /metrics.

import http from 'node:http';
import type { Registry } from 'prom-client';

export interface AdminOptions {
  readonly registry: Registry;
  /** Listening, pool ready, root readable, not shutting down. */
  readonly isReady: () => Promise<boolean>;
}

export function createAdminServer(options: AdminOptions): http.Server {
  const server = http.createServer({ requireHostHeader: false, headersTimeout: 10_000, requestTimeout: 30_000 }, (req, res) => {
    const send = (status: number, body: string, contentType = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'Method Not Allowed\n');
    const path = (req.url ?? '').split('?')[0];
    if (path === '/healthz') return send(200, 'ok\n');
    if (path === '/readyz') {
      void options.isReady().then(
        (ready) => send(ready ? 200 : 503, ready ? 'ready\n' : 'not ready\n'),
        () => send(503, 'not ready\n'),
      );
      return;
    }
    if (path === '/metrics') {
      void options.registry.metrics().then(
        (text) => send(200, text, options.registry.contentType),
        () => send(500, 'metrics unavailable\n'),
      );
      return;
    }
    send(404, 'Not Found\n');
  });
  server.keepAliveTimeout = 5_000;
  return server;
}
