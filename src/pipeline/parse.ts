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
    // RFC 9112 §3.2: an HTTP/1.1 request with no Host, several, or an invalid one is a 400.
    if (req.httpVersionMajor === 1 && req.httpVersionMinor >= 1) {
      const hosts = findHostFields(req.rawHeaders);
      if (hosts.length !== 1 || !isValidHost(hosts[0])) throw new HttpError('TH_ERR_REQUEST_HOST_INVALID');
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
