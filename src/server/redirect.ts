// --redirect-http: a plain-HTTP listener whose only answer is 308 to the same path and query on
// https. SECURITY: the Location is rebuilt from the normalised path and a host that is either the
// configured --public-host or a request Host that parses as a plain host name or address, so an
// unchecked header can never steer a client elsewhere (no open redirect).

import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from '../errors/http-error';
import { findHostFields, HostAndPort, parseHostAndPort } from '../http/host';
import { encodePath, parseRequestTarget } from '../http/target';
import type { Logger } from '../log/logger';
import { redactTarget } from '../log/logger';
import { toHttpError, writeErrorResponse } from '../pipeline/errors';

export interface RedirectOptions {
  /** --public-host, parsed; when it has no port, the HTTPS port is used. */
  readonly publicHost: HostAndPort | undefined;
  /** The port the HTTPS listener is bound to. */
  readonly httpsPort: () => number;
}

const BODY = 'Permanent Redirect\n';
// Query characters RFC 3986 allows as they are; anything else is percent-encoded byte by byte.
const QUERY_UNSAFE = /[^A-Za-z0-9\-._~!$&'()*+,;=:@/?%]/g;

export function createRedirectHandler(options: RedirectOptions, logger: Logger) {
  return function redirect(req: IncomingMessage, res: ServerResponse): void {
    const startedAt = process.hrtime.bigint();
    const remoteAddress = req.socket.remoteAddress;
    // A request with a body is answered and the connection closed, as on the main listener.
    if (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) res.shouldKeepAlive = false;
    let bytes: number;
    try {
      if (req.httpVersionMajor !== 1) throw new HttpError('TH_ERR_HTTP_VERSION');
      const location = httpsLocation(req, options);
      res.statusCode = 308;
      res.setHeader('Location', location);
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.setHeader('Content-Length', Buffer.byteLength(BODY));
      res.setHeader('X-Content-Type-Options', 'nosniff');
      bytes = req.method === 'HEAD' ? 0 : Buffer.byteLength(BODY);
      res.end(req.method === 'HEAD' ? undefined : BODY);
    } catch (error) {
      bytes = writeErrorResponse(res, toHttpError(error), req.method === 'HEAD');
    }
    if (!logger.accessEnabled) return;
    logger.access({
      remoteAddress: remoteAddress ?? '-',
      user: undefined,
      method: req.method,
      target: redactTarget(req.url),
      httpVersion: req.httpVersion,
      status: res.statusCode,
      bytes,
      referer: redactTarget(req.headers.referer),
      userAgent: req.headers['user-agent'],
      durationMs: Number(process.hrtime.bigint() - startedAt) / 1e6,
      engine: 'redirect',
    });
  };
}

function httpsLocation(req: IncomingMessage, options: RedirectOptions): string {
  const rawTarget = req.url ?? '';
  if (rawTarget === '*') throw new HttpError('TH_ERR_TARGET_FORM');
  const target = parseRequestTarget(rawTarget);
  let host = options.publicHost;
  if (host === undefined) {
    const fields = findHostFields(req.rawHeaders);
    host = fields.length === 1 ? parseHostAndPort(fields[0]) : undefined;
    if (host === undefined) throw new HttpError('TH_ERR_REQUEST_HOST_INVALID');
    // The request's port is the plain one; the client must come back on the HTTPS port.
    host = { hostname: host.hostname, port: undefined };
  }
  const port = host.port ?? options.httpsPort();
  const authority = port === 443 ? host.hostname : `${host.hostname}:${port}`;
  const query = target.query === '' ? '' : '?' + target.query.replace(QUERY_UNSAFE, escapeChar);
  return `https://${authority}${encodePath(target.segments, target.trailingSlash)}${query}`;
}

/** Node hands the target over as latin1, one character per byte. */
function escapeChar(char: string): string {
  return '%' + char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0');
}
