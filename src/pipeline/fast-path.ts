// The fast path: a memo of complete 200 answers built by the pipeline from hot-cache entries, sent
// again with one writeHead and one end while the entry they came from is still fresh.
//
// It is a memo, not a second pipeline: the full pipeline answers a request first, and only a plain
// anonymous 200 whose bytes came from the hot-path cache is remembered, with its headers in the
// order the pipeline set them (so both answers are byte-identical). A later request is answered
// from the memo only when nothing the pipeline reads could make its answer differ: same target,
// same Accept and Accept-Encoding, no credentials, no conditional or range headers, no body, same
// authorization state, and the source entry still fresh (the cache's TTL bounds staleness here too).
// Fallback answers (clean URLs, single-page app) are never remembered.
// Anything else, including an invalid Host, goes through the pipeline.

import type { IncomingMessage } from 'node:http';
import type { AuthState, AuthStore } from '../auth/state';
import type { FileEntry, FileResolution } from '../core/resolution';
import type { CachingEngine } from '../engine/hot-cache';
import { isAcceptableHttp1Host } from '../http/host';
import { certificatePrincipal } from '../tls/client-certificate';
import type { RequestContext } from './context';

/** Answers remembered; past this the oldest goes. */
const MAX_ANSWERS = 10_000;
/** Longer keys (huge query strings or Accept values) are not worth remembering. */
const MAX_KEY_CHARS = 2048;
/** What an answer costs besides its body: its key, header list and objects. */
const ANSWER_OVERHEAD_BYTES = 1024;

interface Answer {
  /** The hot-cache entry the answer was built from: the answer lives as long as it is fresh. */
  readonly source: FileResolution;
  readonly authState: AuthState;
  /** Name, value, name, value…: the order the pipeline set them in. */
  readonly headers: readonly (string | number)[];
  readonly body: Buffer;
  /** Body, key and overhead, as counted against maxBytes. */
  readonly cost: number;
}

export interface FastPathOptions {
  readonly cache: CachingEngine;
  readonly auth: AuthStore;
  /** CORS answers depend on Origin: such requests always take the pipeline. */
  readonly cors: boolean;
  /** Bytes the remembered answers may add up to, keys included (bodies are mostly shared with the cache). */
  readonly maxBytes: number;
}

/** Request headers whose presence changes the answer in ways the memo does not capture. */
const DISQUALIFYING_HEADERS = new Set([
  'authorization',
  'range',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'if-range',
  'expect',
  'content-length',
  'transfer-encoding',
]);

/** Node's way of joining a repeated header in `req.headers`, so keys match what the pipeline read. */
const joined = (previous: string | undefined, value: string) => (previous === undefined ? value : `${previous}, ${value}`);

export function createFastPath(options: FastPathOptions) {
  const answers = new Map<string, Answer>();
  let bytes = 0;

  /**
   * The memo key of a plain request, or undefined when the request must take the pipeline. One
   * pass over rawHeaders: building `req.headers` costs more than everything else here.
   */
  function keyOf(req: IncomingMessage): string | undefined {
    const method = req.method;
    if ((method !== 'GET' && method !== 'HEAD') || req.httpVersionMajor !== 1) return undefined;
    const raw = req.rawHeaders;
    let accept: string | undefined;
    let acceptEncoding: string | undefined;
    let host: string | undefined;
    let hosts = 0;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i].toLowerCase();
      if (name === 'host') {
        hosts++;
        host = raw[i + 1];
      } else if (name === 'accept') accept = joined(accept, raw[i + 1]);
      else if (name === 'accept-encoding') acceptEncoding = joined(acceptEncoding, raw[i + 1]);
      else if (DISQUALIFYING_HEADERS.has(name) || (options.cors && name === 'origin')) return undefined;
    }
    // What the guard stage checks of Host: else its 400.
    if (!isAcceptableHttp1Host(hosts, host, req.httpVersionMinor)) return undefined;
    return `${acceptEncoding ?? ''}\0${accept ?? ''}\0${req.url ?? ''}`;
  }

  /** Sends the remembered answer and returns true, or returns false and leaves `ctx` untouched. */
  function tryAnswer(ctx: RequestContext): boolean {
    if (answers.size === 0) return false;
    const { req, res } = ctx;
    const key = keyOf(req);
    if (key === undefined) return false;
    const answer = answers.get(key);
    if (answer === undefined) return false;
    if (answer.authState !== options.auth.current || !options.cache.isFresh(answer.source)) {
      forget(key, answer);
      return false;
    }
    if (certificatePrincipal(req) !== undefined) return false;
    res.writeHead(200, answer.headers as (string | number)[]);
    if (req.method === 'HEAD') {
      res.end();
      ctx.bytesSent = 0;
    } else {
      res.end(answer.body);
      ctx.bytesSent = answer.body.length;
    }
    return true;
  }

  /** After the pipeline answered `ctx`: remembers the answer if it qualifies. `source` is what resolve returned. */
  function record(ctx: RequestContext, source: FileResolution | undefined): void {
    const { req, res } = ctx;
    const served = ctx.resolution;
    if (source === undefined || served?.kind !== 'file' || served.body === undefined || res.statusCode !== 200) return;
    if (ctx.principal !== undefined || ctx.signedPath !== undefined || ctx.ranges !== undefined) return;
    // A fallback stands in for a missing target: only a lookup of the target (not the freshness of
    // the fallback's file) can tell when a real file appears there.
    if (ctx.fallback === true) return;
    const key = keyOf(req);
    if (key === undefined || key.length > MAX_KEY_CHARS || !options.cache.isFresh(source)) return;
    const headers: (string | number)[] = [];
    // Node ≥ 15.13 has it; @types/node 20 does not declare it on ServerResponse.
    for (const name of (res as unknown as { getRawHeaderNames(): string[] }).getRawHeaderNames()) {
      const value = res.getHeader(name);
      // Multi-valued headers (none today) would need their own lines: not remembered.
      if (typeof value !== 'string' && typeof value !== 'number') return;
      headers.push(name, value);
    }
    const body = toBuffer(served);
    const cost = body.length + key.length * 2 + ANSWER_OVERHEAD_BYTES;
    if (cost > options.maxBytes / 4) return;
    const previous = answers.get(key);
    if (previous !== undefined) forget(key, previous);
    answers.set(key, { source, authState: options.auth.current, headers, body, cost });
    bytes += cost;
    for (const [oldKey, old] of answers) {
      if (answers.size <= MAX_ANSWERS && bytes <= options.maxBytes) break;
      forget(oldKey, old);
    }
  }

  function forget(key: string, answer: Answer): void {
    answers.delete(key);
    bytes -= answer.cost;
  }

  /** Remembered answers and what they cost, for tests. */
  const stats = () => ({ answers: answers.size, bytes });

  return { tryAnswer, record, stats };
}

function toBuffer(file: FileEntry): Buffer {
  const body = file.body!;
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}
