// Stage 4, conditional requests (RFC 9110 §13.2.2) on files.                 → 304 / 412

import { HttpError } from '../errors/http-error';
import { evaluatePreconditions } from '../http/conditional';
import type { RequestContext } from './context';
import type { StageResult } from './parse';
import { setValidatorHeaders } from './respond';

export function createConditionalStage() {
  return function checkPreconditions(ctx: RequestContext): StageResult {
    const resolution = ctx.resolution;
    if (resolution?.kind !== 'file') return 'continue';
    const headers = ctx.req.headers;
    if (
      headers['if-match'] === undefined &&
      headers['if-none-match'] === undefined &&
      headers['if-modified-since'] === undefined &&
      headers['if-unmodified-since'] === undefined
    ) {
      return 'continue';
    }
    const outcome = evaluatePreconditions(
      {
        ifMatch: headers['if-match'],
        ifNoneMatch: headers['if-none-match'],
        ifModifiedSince: headers['if-modified-since'],
        ifUnmodifiedSince: headers['if-unmodified-since'],
      },
      { etag: resolution.etag, lastModifiedMs: resolution.mtimeMs },
      true,
    );
    if (outcome === 'precondition-failed') throw new HttpError('TH_ERR_PRECONDITION_FAILED');
    if (outcome === 'not-modified') {
      // §15.4.5: a 304 carries the validators a 200 would have, and no body or Content-Length.
      setValidatorHeaders(ctx.res, resolution);
      ctx.res.statusCode = 304;
      ctx.res.end();
      ctx.bytesSent = 0;
      return 'done';
    }
    return 'continue';
  };
}
