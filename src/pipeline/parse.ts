// Stage 1, guard: Host, method allowlist and request-target → ctx.target.   → 400 / 405 / 414
// OPTIONS is answered here (204 + Allow); it never reaches the file system.

import { HttpError } from '../errors/http-error';
import { findHostFields, isValidHost } from '../http/host';
import { parseRequestTarget } from '../http/target';
import { ALLOWED_METHODS, RequestContext } from './context';

export type StageResult = 'continue' | 'done';

const METHOD_NOT_ALLOWED_HEADERS = { Allow: ALLOWED_METHODS };

export function createGuardStage() {
  return function guard(ctx: RequestContext): StageResult {
    const { req, res } = ctx;
    // This listener speaks HTTP/1.0 and 1.1 only (RFC 9110 §15.6.6).
    if (req.httpVersionMajor !== 1) throw new HttpError('TH_ERR_HTTP_VERSION');
    // RFC 9112 §3.2: more than one Host, or an invalid one, is a 400; HTTP/1.1 must send one.
    const hosts = findHostFields(req.rawHeaders);
    if (hosts.length > 1 || (hosts.length === 1 && !isValidHost(hosts[0]))) throw new HttpError('TH_ERR_REQUEST_HOST_INVALID');
    if (hosts.length === 0 && req.httpVersionMinor >= 1) throw new HttpError('TH_ERR_REQUEST_HOST_INVALID');
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
