// The request pipeline: the one place where the order of stages is decided.
//
//   1. guard        Host, method, request-target → ctx.target          400 / 405 / 414, OPTIONS 204
//   2. security     dotfiles on the normalised path                     404
//   3. authenticate signed URL, Basic, Bearer → ctx.principal           401 / 429
//   4. authorize    rules on the normalised path                        401 / 403
//      (both before the file system is touched: a denied client cannot probe for existence)
//   5. resolve      Engine.resolve → ctx.resolution (async or threaded) 404 / 403 / 503
//                   (finds a precompressed twin the client accepts)
//   6. encoding     choose on-the-fly br/gzip and the variant's ETag    406
//   7. conditional  If-Match, If-None-Match, If-(Un)Modified-Since     412 / 304
//   8. range        Range, If-Range → ctx.ranges                        416
//   9. materialise  compressed bytes from the cache, or compress once   503
//  10. respond      headers and body; listing; trailing-slash redirect  200 / 206 / 301
//
// Stages 1–9 may end the request; only respond writes a success body.

import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Engine } from '../engine/engine';
import type { AuthStore } from '../auth/state';
import { Logger, redactHeaders, redactTarget } from '../log/logger';
import { AuthenticateOptions, createAuthenticateStage } from './authenticate';
import { createAccessCheck, createAuthorizeStage, createPublicCheck } from './authorize';
import { createConditionalStage } from './conditional';
import { isResponseGone, type RequestContext } from './context';
import { ErrorPage, sendError, toHttpError } from './errors';
import { createEncodeStages, EncodeOptions } from './encode';
import { Metrics, NO_METRICS } from '../server/metrics';
import { createHeaderPolicy, HeaderPolicyOptions } from './headers';
import { createGuardStage, isHttp2 } from './parse';
import { createRangeStage } from './range';
import { createResolveStage } from './resolve';
import { createRespondStage, sendRedirect } from './respond';
import { createSecurityStage } from './security';
import { createFastPath } from './fast-path';
import type { CachingEngine } from '../engine/hot-cache';

export interface PipelineDeps {
  readonly engine: Engine;
  readonly auth: AuthStore;
  readonly authOptions: AuthenticateOptions;
  readonly encodeOptions: EncodeOptions;
  readonly logger: Logger;
  /** True once shutdown began: responses then close their connection. */
  readonly isDraining: () => boolean;
  /** Headers every response carries, errors included (Strict-Transport-Security on HTTPS). */
  readonly responseHeaders?: Readonly<Record<string, string>>;
  readonly headerOptions: Omit<HeaderPolicyOptions, 'isPublic' | 'indexName'>;
  /** What `dir/` serves. */
  readonly indexName: string;
  readonly cleanUrls: boolean;
  /** The --spa file's path segments. */
  readonly spa: readonly string[] | undefined;
  /** Where requests, bytes and failures are counted (NO_METRICS without --admin-port). */
  readonly metrics?: Metrics;
  /** An HTTP/2 stream on which nothing moves for this long is reset (--send-timeout). */
  readonly sendTimeoutMs: number;
  /** --error-page: status → the page's path segments. */
  readonly errorPages: ReadonlyMap<number, readonly string[]>;
  /** The engine's hot-path cache (absent with --no-cache): plain answers built from it are memoised. */
  readonly hotCache?: { readonly engine: CachingEngine; readonly maxBytes: number };
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export function createPipeline(deps: PipelineDeps): RequestHandler {
  const { engine, auth, authOptions, encodeOptions, logger, isDraining, responseHeaders = {}, metrics = NO_METRICS } = deps;
  const counting = metrics !== NO_METRICS;
  const policy = createHeaderPolicy({ ...deps.headerOptions, isPublic: createPublicCheck(auth), indexName: deps.indexName }, responseHeaders);
  const guard = createGuardStage();
  const checkSecurity = createSecurityStage();
  const authenticate = createAuthenticateStage(auth, engine, logger, { ...authOptions, onFailure: () => metrics.authFailure() });
  const authorize = createAuthorizeStage(auth, logger);
  const { preferenceFor, chooseEncoding, materialise } = createEncodeStages(engine, encodeOptions, logger, metrics);
  const canFetch = createAccessCheck(auth);
  const resolve = createResolveStage(engine, {
    preferenceFor,
    ...encodeOptions,
    cleanUrls: deps.cleanUrls,
    spa: deps.spa,
    canFetch,
    authorize,
    indexName: deps.indexName,
    redirect: sendRedirect,
  });
  const checkPreconditions = createConditionalStage();
  const selectRanges = createRangeStage();
  const respond = createRespondStage(logger, canFetch, deps.sendTimeoutMs);
  const observe = logger.accessEnabled || logger.debugEnabled;
  // --debug logs every request's headers on the way in: those take the pipeline.
  const fastPath =
    deps.hotCache === undefined || logger.debugEnabled
      ? undefined
      : createFastPath({ cache: deps.hotCache.engine, auth, cors: deps.headerOptions.cors !== undefined, maxBytes: deps.hotCache.maxBytes });

  async function run(ctx: RequestContext): Promise<void> {
    if (guard(ctx) === 'done') return;
    checkSecurity(ctx);
    await authenticate(ctx);
    authorize(ctx);
    if ((await resolve(ctx)) === 'done') return;
    const resolved = ctx.resolution;
    if (isResponseGone(ctx.res)) return; // the client left while the engine worked
    chooseEncoding(ctx);
    if (ctx.resolution?.kind === 'file') policy.decorate(ctx, ctx.servedPath ?? ctx.target!.path);
    if (checkPreconditions(ctx) === 'done') return;
    selectRanges(ctx);
    await materialise(ctx);
    if (isResponseGone(ctx.res)) return;
    respond(ctx);
    fastPath?.record(ctx, resolved);
  }

  /** The error answer, with the operator's page for its status when there is one (up to 64 KiB). */
  async function answerError(ctx: RequestContext, error: unknown): Promise<void> {
    const status = toHttpError(error).status;
    const pageSegments = deps.errorPages.get(status);
    let page: ErrorPage | undefined;
    if (pageSegments !== undefined && !ctx.res.headersSent && !isResponseGone(ctx.res)) {
      try {
        const found = await engine.resolve({ segments: pageSegments, trailingSlash: false, wantBody: true });
        if (found.kind === 'file' && found.fd !== undefined) fs.close(found.fd, () => undefined);
        else if (found.kind === 'file' && found.body !== undefined) page = { contentType: found.contentType, body: found.body };
        else if (found.kind === 'file') page = { contentType: found.contentType, body: new Uint8Array(0) };
      } catch {
        // No page (worker failed, say): the built-in answer follows.
      }
    }
    sendError(ctx, error, logger, page);
  }

  /** The access line and metrics of a request, taken when its response closes. */
  function watch(ctx: RequestContext): void {
    if (observe) ctx.res.once('close', () => logResponse(ctx, engine.mode, logger));
    if (counting) {
      metrics.requestStarted();
      ctx.res.once('close', () =>
        metrics.requestFinished(
          ctx.req.method ?? '',
          ctx.res.headersSent ? ctx.res.statusCode : CLIENT_CLOSED_REQUEST,
          ctx.bytesSent ?? 0,
          Number(process.hrtime.bigint() - ctx.startedAt) / 1e9,
        ),
      );
    }
  }

  function start(ctx: RequestContext): void {
    watch(ctx);
    run(ctx)
      .catch((error: unknown) => answerError(ctx, error))
      .finally(() => {
        // SECURITY/robustness: a descriptor nobody streamed (HEAD, 304, 412, 416, errors) is closed here.
        if (ctx.fd !== undefined) {
          fs.close(ctx.fd, () => undefined);
          ctx.fd = undefined;
        }
      });
  }

  return function handleRequest(req, res) {
    const ctx: RequestContext = { req, res, startedAt: process.hrtime.bigint(), remoteAddress: req.socket.remoteAddress, responseHeaders: {} };
    // A memoised answer needs the connection to itself (not pipelined behind another) and a
    // server that is not shutting down (those answers close their connection).
    if (fastPath !== undefined && res.socket !== null && !isDraining() && fastPath.tryAnswer(ctx)) {
      watch(ctx);
      return;
    }
    const headers = policy.forRequest(req);
    ctx.responseHeaders = headers;
    for (const name in headers) res.setHeader(name, headers[name]);
    // GET and HEAD never need a body. A request that sends one gets its answer and a closed
    // connection: no half-read body left on a keep-alive connection, no later timeout answering
    // the same request twice.
    if (isDraining() || hasBody(req)) res.shouldKeepAlive = false;
    // HTTP/2: the connection's timer cannot see one stalled stream among busy ones (or PINGs), so
    // each stream gets its own; with no listener, node:http2 destroys a stream that times out.
    if (isHttp2(req)) res.setTimeout(deps.sendTimeoutMs);
    if (logger.debugEnabled) {
      logger.debug('request', { method: req.method, target: redactTarget(req.url), headers: redactHeaders(req.headers) });
    }
    if (res.socket !== null) {
      start(ctx);
      return;
    }
    // A pipelined request waits until the responses before it are done, as nginx reads one
    // request at a time: otherwise one connection could hold a descriptor and a stream per
    // queued request, and a queued response never learns that its connection closed.
    void waitForSocket(req, res).then((owned) => {
      if (owned) start(ctx);
      else if (observe) logResponse(ctx, engine.mode, logger);
    });
  };
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/**
 * Requests one connection may queue behind an unfinished response. Browsers pipeline a handful at
 * most; past this the connection is closed, so one client cannot pile up unbounded work.
 */
export const MAX_QUEUED_REQUESTS = 32;

/** Per connection: how to cancel each queued request when the connection closes. */
const queuedOn = new WeakMap<Socket, Set<() => void>>();

/**
 * Resolves true once `res` owns the connection, false if the connection closes first. One 'close'
 * listener per connection, not per request: removing thousands of listeners one by one is
 * quadratic, and was a way to stall the event loop.
 */
function waitForSocket(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const connection = req.socket;
  let queued = queuedOn.get(connection);
  if (queued === undefined) {
    const cancels = new Set<() => void>();
    queued = cancels;
    queuedOn.set(connection, cancels);
    connection.once('close', () => {
      for (const cancel of cancels) cancel();
      cancels.clear();
    });
  }
  if (queued.size >= MAX_QUEUED_REQUESTS) {
    connection.destroy();
    return Promise.resolve(false);
  }
  const cancels = queued;
  return new Promise((resolve) => {
    const cancel = () => {
      res.off('socket', onSocket);
      resolve(false);
    };
    const onSocket = () => {
      cancels.delete(cancel);
      resolve(true);
    };
    cancels.add(cancel);
    res.once('socket', onSocket);
  });
}

const CLIENT_CLOSED_REQUEST = 499;

function logResponse(ctx: RequestContext, engineMode: string, logger: Logger): void {
  const { req, res } = ctx;
  if (logger.debugEnabled) {
    logger.debug('response', { status: res.statusCode, headers: redactHeaders(res.getHeaders()) });
  }
  if (!logger.accessEnabled) return;
  logger.access({
    remoteAddress: ctx.remoteAddress ?? '-',
    user: ctx.principal?.name ?? (ctx.signedPath !== undefined ? 'signed-url' : undefined),
    method: req.method,
    target: redactTarget(req.url),
    httpVersion: req.httpVersion,
    // 499 (nginx's "client closed request"): the client left before any answer was sent.
    status: res.headersSent ? res.statusCode : CLIENT_CLOSED_REQUEST,
    // For a response cut short, the bytes handed to the socket before the client left.
    bytes: ctx.bytesSent ?? 0,
    // A page opened through a signed URL sends that URL as the Referer of what it loads.
    referer: redactTarget(req.headers.referer),
    userAgent: req.headers['user-agent'],
    durationMs: Number(process.hrtime.bigint() - ctx.startedAt) / 1e6,
    engine: engineMode,
  });
}
