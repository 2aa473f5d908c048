// Stage 1, guard: Host, method allowlist and request-target → ctx.target.   → 400 / 405 / 414
// OPTIONS is answered here (204 + Allow); it never reaches the file system.

import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import { HttpError } from '../errors/http-error';
import { findHostFields, isAcceptableHttp1Host, isValidHost } from '../http/host';
import { parseRequestTarget } from '../http/target';
import { ALLOWED_METHODS, RequestContext } from './context';

export type StageResult = 'continue' | 'done';

const METHOD_NOT_ALLOWED_HEADERS = { Allow: ALLOWED_METHODS };

/**
 * HTTP/1.0 and 1.1 everywhere, HTTP/2 on the HTTPS listener (RFC 9110 §15.6.6: anything else is
 * a 505). RFC 9112 §3.2: more than one Host, or an invalid one, is a 400, and HTTP/1.1 must send
 * one. RFC 9113 §8.3.1: HTTP/2 names the host in :authority; a Host beside it must agree.
 */
function checkVersionAndHost(req: IncomingMessage): void {
  const hosts = findHostFields(req.rawHeaders);
  if (hosts.length > 1 || (hosts.length === 1 && !isValidHost(hosts[0]))) throw new HttpError('TH_ERR_REQUEST_HOST_INVALID');
  if (isHttp2(req)) {
    const authority = req.headers[':authority'];
    if (authority === undefined) {
      if (hosts.length === 0) throw new HttpError('TH_ERR_REQUEST_HOST_INVALID');
      return;
    }
    if (typeof authority !== 'string' || !isValidHost(authority)) throw new HttpError('TH_ERR_REQUEST_HOST_INVALID');
    if (hosts.length === 1 && hosts[0].toLowerCase() !== authority.toLowerCase()) throw new HttpError('TH_ERR_REQUEST_HOST_INVALID');
    return;
  }
  if (req.httpVersionMajor !== 1) throw new HttpError('TH_ERR_HTTP_VERSION');
  if (!isAcceptableHttp1Host(hosts.length, hosts[0], req.httpVersionMinor)) throw new HttpError('TH_ERR_REQUEST_HOST_INVALID');
}

/** An HTTP/2 stream seen through node:http2's compatibility API (only the HTTPS listener has them). */
export function isHttp2(req: IncomingMessage): boolean {
  return req.httpVersionMajor === 2 && (req as unknown as Partial<Http2ServerRequest>).stream !== undefined;
}

export function createGuardStage() {
  return function guard(ctx: RequestContext): StageResult {
    const { req, res } = ctx;
    checkVersionAndHost(req);
    // RFC 9110 §10.1.1: an expectation other than 100-continue cannot be met.
    const expectation = req.headers.expect;
    if (expectation !== undefined && expectation.trim().toLowerCase() !== '100-continue') {
      throw new HttpError('TH_ERR_EXPECTATION_FAILED');
    }
    const method = req.method ?? '';
    if (method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS') {
      throw new HttpError('TH_ERR_METHOD_NOT_ALLOWED', { headers: METHOD_NOT_ALLOWED_HEADERS });
    }
    const rawTarget = req.url ?? '';
    if (rawTarget === '*') {
      if (method !== 'OPTIONS') throw new HttpError('TH_ERR_TARGET_FORM');
    } else {
      ctx.target = parseRequestTarget(rawTarget);
    }
    if (method === 'OPTIONS') {
      res.writeHead(204, { Allow: ALLOWED_METHODS, 'X-Content-Type-Options': 'nosniff' });
      res.end();
      ctx.bytesSent = 0;
      return 'done';
    }
    return 'continue';
  };
}
