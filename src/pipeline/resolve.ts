// Stage 3, resolve: asks the Engine and turns the FileResolution's kind into ctx or an HttpError.
// An open descriptor is moved to ctx.fd, whose owner must close it (see pipeline/index.ts).
// Fallbacks for a path that is missing: clean URLs (`/about` → `about.html`, and `/about.html`
// redirected to `/about`), then the single-page app's file for page navigations. A fallback file
// must pass the same access check as any file.

import { close } from 'node:fs';
import type { FileResolution, ResolveRequest } from '../core/resolution';
import { HttpError } from '../errors/http-error';
import { qualityOf } from '../http/accept';
import { encodePath } from '../http/target';
import type { Engine } from '../engine/engine';
import type { EncodingPreference } from '../http/accept-encoding';
import { varyOn, type RequestContext } from './context';

const RETRY_SOON = { 'Retry-After': '1' };

export interface ResolveStageOptions {
  /** The client's encoding preference (also recorded on ctx), or undefined when the server never encodes. */
  readonly preferenceFor: (ctx: RequestContext) => EncodingPreference | undefined;
  readonly precompressed: boolean;
  readonly compress: boolean;
  readonly cleanUrls: boolean;
  /** The --spa file's path segments. */
  readonly spa: readonly string[] | undefined;
  /** May this request's principal fetch `path`? */
  readonly canFetch: (ctx: RequestContext, path: string) => boolean;
  /** Throws the 401/403 of the authorize stage when the principal may not fetch `path`. */
  readonly authorize: (ctx: RequestContext, path: string) => void;
  /** What a directory URL serves. */
  readonly indexName: string;
  /** Writes a 301 to `location` (a path on this host). */
  readonly redirect: (ctx: RequestContext, location: string) => void;
}

const HTML_SUFFIX = '.html';

/** A page navigation: the client asks for HTML by name (a script or image fetch says only a wildcard). */
function isNavigation(ctx: RequestContext): boolean {
  const accept = ctx.req.headers.accept;
  return accept !== undefined && /text\/html/i.test(accept) && qualityOf(accept, 'text/html') > 0;
}

/** The normalised decoded path of a file, as rules and globs see paths. */
function decodedPath(segments: readonly string[]): string {
  return '/' + segments.join('/');
}

function discard(resolution: FileResolution): void {
  if (resolution.kind === 'file' && resolution.fd !== undefined) close(resolution.fd, () => undefined);
}

export function createResolveStage(engine: Engine, options: ResolveStageOptions) {
  return async function resolve(ctx: RequestContext): Promise<'continue' | 'done'> {
    const { segments, trailingSlash, query } = ctx.target!;
    const preference = options.preferenceFor(ctx);
    const encodes = preference !== undefined && preference.codings.length > 0;
    const ask = (asked: readonly string[], slash = false): Promise<FileResolution> => {
      const request: ResolveRequest = {
        segments: asked,
        trailingSlash: slash,
        // HEAD of a response compressed on the fly needs the bytes too: its Content-Length is theirs.
        wantBody: ctx.req.method === 'GET' || (ctx.req.method === 'HEAD' && encodes && options.compress),
        encodings: encodes && options.precompressed ? preference.codings : undefined,
      };
      return engine.resolve(request);
    };
    let resolution = await ask(segments, trailingSlash);
    const last = segments[segments.length - 1];

    if (options.cleanUrls && last !== undefined && !trailingSlash) {
      if (resolution.kind === 'file' && last.endsWith(HTML_SUFFIX) && last.length > HTML_SUFFIX.length) {
        // `/about.html` → `/about`, `/docs/index.html` → `/docs/`: unless the short name is something else.
        const isIndex = last === options.indexName;
        const short = isIndex ? segments.slice(0, -1) : [...segments.slice(0, -1), last.slice(0, -HTML_SUFFIX.length)];
        const occupant = isIndex ? undefined : await ask(short);
        if (occupant === undefined || occupant.kind === 'missing') {
          if (occupant !== undefined) discard(occupant);
          discard(resolution);
          // SECURITY: rebuilt from normalised segments, so always a path on this host.
          options.redirect(ctx, encodePath(short, isIndex) + (query === '' ? '' : '?' + query));
          return 'done';
        }
        discard(occupant);
      } else if (resolution.kind === 'missing') {
        const withSuffix = [...segments.slice(0, -1), last + HTML_SUFFIX];
        const candidate = await ask(withSuffix);
        if (candidate.kind === 'file' && options.canFetch(ctx, decodedPath(withSuffix))) {
          resolution = candidate;
          ctx.servedPath = decodedPath(withSuffix);
          ctx.fallback = true;
        } else discard(candidate);
      }
    }
    if (options.spa !== undefined && resolution.kind === 'missing' && (ctx.req.method === 'GET' || ctx.req.method === 'HEAD')) {
      // The answer to this URL (app shell or 404) now depends on Accept: caches must know.
      varyOn(ctx, 'Accept');
    }
    if (options.spa !== undefined && resolution.kind === 'missing' && isNavigation(ctx)) {
      const candidate = await ask(options.spa);
      if (candidate.kind === 'file' && options.canFetch(ctx, decodedPath(options.spa))) {
        resolution = candidate;
        ctx.servedPath = decodedPath(options.spa);
        ctx.fallback = true;
      } else discard(candidate);
    }

    if (resolution.kind === 'file' && resolution.fd !== undefined) ctx.fd = resolution.fd;
    if (resolution.kind === 'file' && trailingSlash) {
      // SECURITY: `/dir/` serves `/dir/index.html`, which a rule of its own may protect.
      ctx.servedPath = ctx.target!.path + options.indexName;
      options.authorize(ctx, ctx.servedPath);
    }
    ctx.resolution = resolution;
    switch (resolution.kind) {
      case 'missing':
        throw new HttpError('TH_ERR_NOT_FOUND');
      case 'denied':
        throw new HttpError('TH_ERR_FORBIDDEN');
      case 'failed':
        if (resolution.errno === 'EMFILE' || resolution.errno === 'ENFILE') {
          throw new HttpError('TH_ERR_FS_BUSY', { headers: RETRY_SOON, cause: resolution.errno });
        }
        throw new HttpError('TH_ERR_INTERNAL', { cause: resolution.errno });
      default:
        return 'continue';
    }
  };
}
