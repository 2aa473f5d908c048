// Stage 4, authorize: principal × normalised path → allow.                           → 401 / 403
// A signed URL grants GET/HEAD on exactly its own path. Anonymous and denied: 401 with the
// challenges; known but denied: 403.

import { decide } from '../auth/rules';
import type { AuthStore } from '../auth/state';
import { HttpError } from '../errors/http-error';
import type { Logger } from '../log/logger';
import { authenticationRequired } from './authenticate';
import type { RequestContext } from './context';

export function createAuthorizeStage(auth: AuthStore, logger: Logger) {
  /**
   * Stage 4 checks the request's own path; the resolve stage calls it again with the file a
   * directory URL turned out to serve (`/dir/` → `/dir/index.html`), which a rule may protect.
   */
  return function authorize(ctx: RequestContext, path: string = ctx.target!.path): void {
    const state = auth.current;
    if (!state.enabled) return;
    if (ctx.signedPath === ctx.target!.path) return;
    if (decide(state.rules, ctx.principal, ctx.req.method ?? '', path) === 'allow') return;
    logger.warn('access denied', {
      address: ctx.remoteAddress,
      user: ctx.principal?.name,
      method: ctx.req.method,
      path,
    });
    if (ctx.principal === undefined) throw authenticationRequired(auth);
    throw new HttpError('TH_ERR_FORBIDDEN');
  };
}

/** For listings: may this request's principal fetch `path`? */
export function createAccessCheck(auth: AuthStore) {
  return function canFetch(ctx: RequestContext, path: string): boolean {
    const state = auth.current;
    return !state.enabled || decide(state.rules, ctx.principal, 'GET', path) === 'allow';
  };
}

/** For caching: could a client without credentials fetch `path`? */
export function createPublicCheck(auth: AuthStore) {
  return function isPublic(path: string): boolean {
    const state = auth.current;
    return !state.enabled || decide(state.rules, undefined, 'GET', path) === 'allow';
  };
}
