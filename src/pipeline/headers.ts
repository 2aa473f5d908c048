// Response headers that policy, not content, decides: security headers and CORS on every answer
// (errors included), Cache-Control and configured headers on file answers (200, 206 and 304 alike).

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CacheControlRule, HeaderRule } from '../config/asset-rules';
import { CorsPolicy, corsHeaders, preflightHeaders } from '../http/cors';
import { compileAssetGlob } from '../http/glob';
import type { RequestContext } from './context';

/** On by default (--no-security-headers turns them off); nosniff is sent regardless. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'SAMEORIGIN',
};

export interface HeaderPolicyOptions {
  readonly securityHeaders: boolean;
  readonly cors: CorsPolicy | undefined;
  /** Cache-Control when no rule matches. */
  readonly cacheControl: string | undefined;
  readonly cacheControlRules: readonly CacheControlRule[];
  readonly headerRules: readonly HeaderRule[];
  /** Could a client without credentials fetch this path? If not, shared caches must not keep it. */
  readonly isPublic: (path: string) => boolean;
  /** What `dir/` serves, so `*.html` rules also cover it. */
  readonly indexName: string;
}

/** Adds a token to Vary, keeping what earlier stages put there. */
export function appendVary(res: ServerResponse, token: string): void {
  const current = res.getHeader('Vary');
  if (current === undefined || current === '') res.setHeader('Vary', token);
  else if (!String(current).split(/\s*,\s*/).includes(token)) res.setHeader('Vary', `${String(current)}, ${token}`);
}

export function createHeaderPolicy(options: HeaderPolicyOptions, baseHeaders: Readonly<Record<string, string>>) {
  const always = { ...baseHeaders, ...(options.securityHeaders ? SECURITY_HEADERS : {}) };
  const cacheRules = options.cacheControlRules.map((rule) => ({ matches: compileAssetGlob(rule.path), value: rule.value }));
  const headerRules = options.headerRules.map((rule) => ({ matches: compileAssetGlob(rule.path), set: rule.set }));

  /** Headers every answer to `req` carries. */
  function forRequest(req: IncomingMessage): Readonly<Record<string, string>> {
    const cors = options.cors;
    if (cors === undefined) return always;
    const origin = req.headers.origin;
    const requestMethod = req.headers['access-control-request-method'];
    if (req.method === 'OPTIONS' && origin !== undefined && typeof requestMethod === 'string') {
      return { ...always, ...preflightHeaders(cors, origin, requestMethod, req.headers['access-control-request-headers']) };
    }
    return { ...always, ...corsHeaders(cors, origin) };
  }

  /** Cache-Control and configured headers for a file answer, by the path of the file served. */
  function decorate(ctx: RequestContext, servedPath: string): void {
    const path = servedPath.endsWith('/') ? servedPath + options.indexName : servedPath;
    let cacheControl = cacheRules.find((rule) => rule.matches(path))?.value ?? options.cacheControl;
    // SECURITY: what needed credentials (or a signature) stays out of shared caches.
    if (!options.isPublic(servedPath)) cacheControl = privately(cacheControl);
    if (cacheControl !== undefined) ctx.res.setHeader('Cache-Control', cacheControl);
    for (const rule of headerRules) {
      if (!rule.matches(path)) continue;
      for (const name in rule.set) ctx.res.setHeader(name, rule.set[name]);
    }
  }

  return { forRequest, decorate };
}

/** `public, max-age=60` → `private, max-age=60`; nothing → `private`. */
function privately(value: string | undefined): string {
  const directives = (value ?? '')
    .split(',')
    .map((directive) => directive.trim())
    .filter((directive) => directive !== '' && !/^(public|private)$/i.test(directive) && !/^s-maxage=/i.test(directive));
  return ['private', ...directives].join(', ');
}
