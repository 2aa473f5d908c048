// Content coding of file responses (RFC 9110 §8.4, §12.5.3): a precompressed twin the resolve core
// found, or brotli/gzip made on the fly and kept in a bounded cache.
//
//   chooseEncoding (after resolve)  decide the variant and its entity-tag, so that conditional
//                                   requests are answered (304) without compressing anything
//   materialise    (after range)    fetch the compressed bytes from the cache, or compress once
//
// Not for ranges: a Range request gets the identity bytes (or a twin's, which are a file).

import compressible from 'compressible';
import type { FileEntry } from '../core/resolution';
import { variantETag } from '../core/etag';
import type { Engine } from '../engine/engine';
import { HttpError } from '../errors/http-error';
import { ContentCoding, EncodingPreference, negotiateEncoding } from '../http/accept-encoding';
import { CompressedCache } from './compressed-cache';
import type { Logger } from '../log/logger';
import type { Metrics } from '../server/metrics';
import type { RequestContext } from './context';
import { appendVary } from './headers';

/** Below this, headers outweigh the saving (Caddy: 512 B, nginx default: 20 B; 1 KiB as Cloudflare). */
export const MIN_COMPRESS_BYTES = 1024;
/** Above this, the file streams as it is: compressing means holding it whole in memory. */
export const MAX_COMPRESS_BYTES = 8 * 1024 * 1024;
/** Entries remembered as not worth compressing, before the list starts over. */
const MAX_NOT_WORTH_IT = 10_000;
/** Compressed bodies kept, across all files. */
export const COMPRESSED_CACHE_BYTES = 32 * 1024 * 1024;

export interface EncodeOptions {
  /** On-the-fly compression. */
  readonly compress: boolean;
  readonly compressLevel: number;
  /** Serve `.br` / `.gz` twins. */
  readonly precompressed: boolean;
}

export interface PendingCompression {
  readonly coding: ContentCoding;
  readonly identity: FileEntry;
}

const VARY = 'Accept-Encoding';

/** Worth compressing: text and its kin (JS, JSON, SVG, wasm…) as mime-db marks them. */
export function isCompressibleType(contentType: string): boolean {
  const essence = contentType.split(';')[0].trim().toLowerCase();
  return essence === 'application/wasm' || compressible(essence) === true;
}

export function createEncodeStages(engine: Engine, options: EncodeOptions, logger: Logger, metrics: Metrics) {
  const active = options.compress || options.precompressed;
  const cache = new CompressedCache(COMPRESSED_CACHE_BYTES);
  /** Files (path, ETag, coding) whose compression did not pay or would not stay cached: sent as they are. */
  const notWorthIt = new Set<string>();
  const keyOf = (ctx: RequestContext, etag: string, coding: ContentCoding) => `${ctx.servedPath ?? ctx.target!.path}\n${etag}\n${coding}`;

  /** What the resolve stage passes on: twins to look for, and whether HEAD needs the bytes too. */
  function preferenceFor(ctx: RequestContext): EncodingPreference | undefined {
    if (!active) return undefined;
    ctx.encoding = negotiateEncoding(ctx.req.headers['accept-encoding']);
    return ctx.encoding;
  }

  function chooseEncoding(ctx: RequestContext): void {
    const file = ctx.resolution;
    const preference = ctx.encoding;
    if (file?.kind !== 'file' || preference === undefined) return;
    // Whatever this client gets, another could get a different coding of the same URL.
    appendVary(ctx.res, VARY);
    if (file.contentEncoding !== undefined) return; // a precompressed twin
    const coding = preference.codings[0];
    if (
      options.compress &&
      coding !== undefined &&
      ctx.req.headers.range === undefined &&
      file.size >= MIN_COMPRESS_BYTES &&
      file.size <= MAX_COMPRESS_BYTES &&
      isCompressibleType(file.contentType) &&
      !notWorthIt.has(keyOf(ctx, file.etag, coding))
    ) {
      ctx.compression = { coding, identity: file };
      // The variant's validators are known before its bytes: a 304 costs no compression.
      ctx.resolution = { ...file, contentEncoding: coding, etag: variantETag(file.etag, coding), body: undefined, fd: undefined };
      return;
    }
    if (!preference.identityAcceptable) throw new HttpError('TH_ERR_NOT_ACCEPTABLE');
  }

  async function materialise(ctx: RequestContext): Promise<void> {
    const pending = ctx.compression;
    if (pending === undefined) return;
    const { coding, identity } = pending;
    // By the file served: a single-page app answers any number of URLs with one file, compressed once.
    const key = keyOf(ctx, identity.etag, coding);
    const fd = ctx.fd;
    let produced = false;
    const body = await cache.get(key, async () => {
      produced = true;
      const compressed = await engine.compress({ coding, level: options.compressLevel, body: identity.body, fd, size: identity.size });
      if (logger.debugEnabled) logger.debug('compressed', { path: ctx.target!.path, coding, from: identity.size, to: compressed.length });
      return compressed;
    });
    metrics.compressedCache(!produced);
    // Random bytes with a text name (or a result too big to keep) would be compressed again on
    // every request for nothing: later requests get the file as it is.
    if (body.length >= identity.size * 0.95 || body.length > COMPRESSED_CACHE_BYTES / 4) {
      if (notWorthIt.size >= MAX_NOT_WORTH_IT) notWorthIt.clear();
      notWorthIt.add(key);
    }
    ctx.resolution = { ...(ctx.resolution as FileEntry), size: body.length, body };
  }

  return { preferenceFor, chooseEncoding, materialise };
}
