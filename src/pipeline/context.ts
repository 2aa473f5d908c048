// RequestContext: what one request carries from stage to stage.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../auth/rules';
import type { FileResolution } from '../core/resolution';
import type { EncodingPreference } from '../http/accept-encoding';
import type { ByteRange } from '../http/range';
import type { PendingCompression } from './encode';
import type { RequestTarget } from '../http/target';

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** process.hrtime.bigint() at arrival, for the access log's duration. */
  readonly startedAt: bigint;
  /** Taken at arrival: a destroyed socket no longer knows its peer. */
  readonly remoteAddress: string | undefined;
  /** Headers every response carries, error responses included (see varyOn). */
  responseHeaders: Readonly<Record<string, string>>;
  /** Set by the guard stage. */
  target?: RequestTarget;
  /** Set by the resolve stage. */
  resolution?: FileResolution;
  /** The path of the file served when a fallback (clean URL, single-page app) stood in for the target. */
  servedPath?: string;
  /** True when a fallback (clean URL, single-page app) answers for a target that is missing. */
  fallback?: boolean;
  /** Open descriptor of the file to stream; whoever takes it clears this and must close it. */
  fd?: number;
  /** Satisfiable byte ranges chosen by the range stage (absent: the whole representation). */
  ranges?: readonly ByteRange[];
  /** Authenticated principal, when authentication is configured and succeeded. */
  principal?: Principal;
  /** The normalised path a valid signed URL grants (GET and HEAD only). */
  signedPath?: string;
  /** The client's Accept-Encoding, when the server encodes at all. */
  encoding?: EncodingPreference;
  /** Set when the response will be compressed on the fly (the resolution is then the variant). */
  compression?: PendingCompression;
  /** Body bytes actually handed to the socket; undefined until a response completes. */
  bytesSent?: number;
}

export const ALLOWED_METHODS = 'GET, HEAD, OPTIONS';

/**
 * True once the client can no longer receive this response. An HTTP/2 response (node:http2's
 * compatibility API) has no `destroyed` of its own: its stream says it.
 */
export function isResponseGone(res: ServerResponse): boolean {
  const stream = (res as unknown as { stream?: { destroyed: boolean; closed: boolean } }).stream;
  return stream !== undefined ? stream.destroyed || stream.closed : res.destroyed;
}

/** Adds `token` to Vary on this response and on any error answer that replaces it. */
export function varyOn(ctx: RequestContext, token: string): void {
  const current = ctx.responseHeaders.Vary;
  const vary = current === undefined || current === '' ? token : current.split(/\s*,\s*/).includes(token) ? current : `${current}, ${token}`;
  ctx.responseHeaders = { ...ctx.responseHeaders, Vary: vary };
  ctx.res.setHeader('Vary', vary);
}
