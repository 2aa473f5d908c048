// Stage 5, byte ranges (RFC 9110 §14) on GET of a file.                      → 206 / 416
// Range on HEAD or any other method is ignored (§14.2). A malformed Range is ignored (200).

import { HttpError } from '../errors/http-error';
import { isRangeFresh } from '../http/conditional';
import { parseRange } from '../http/range';
import type { RequestContext } from './context';

export function createRangeStage() {
  return function selectRanges(ctx: RequestContext): void {
    const resolution = ctx.resolution;
    const header = ctx.req.headers.range;
    if (resolution?.kind !== 'file' || header === undefined || ctx.req.method !== 'GET') return;
    if (!isRangeFresh(ctx.req.headers['if-range'] as string | undefined, { etag: resolution.etag, lastModifiedMs: resolution.mtimeMs })) return;
    const result = parseRange(header, resolution.size);
    if (result.kind === 'unsatisfiable') {
      throw new HttpError('TH_ERR_RANGE_NOT_SATISFIABLE', { headers: { 'Content-Range': `bytes */${resolution.size}` } });
    }
    // Several ranges of an encoded twin would need a multipart body whose parts are encoded while
    // the whole is not: send the whole representation instead (§14.2 allows ignoring Range).
    if (result.kind === 'ranges' && result.ranges.length > 1 && resolution.contentEncoding !== undefined) return;
    if (result.kind === 'ranges') ctx.ranges = result.ranges;
  };
}
