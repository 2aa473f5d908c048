// Stage 3, resolve: asks the Engine and turns the FileResolution's kind into ctx or an HttpError.
// An open descriptor is moved to ctx.fd, whose owner must close it (see pipeline/index.ts).

import { HttpError } from '../errors/http-error';
import type { Engine } from '../engine/engine';
import type { EncodingPreference } from '../http/accept-encoding';
import type { RequestContext } from './context';

const RETRY_SOON = { 'Retry-After': '1' };

export interface ResolveStageOptions {
  /** The client's encoding preference (also recorded on ctx), or undefined when the server never encodes. */
  readonly preferenceFor: (ctx: RequestContext) => EncodingPreference | undefined;
  readonly precompressed: boolean;
  readonly compress: boolean;
}

export function createResolveStage(engine: Engine, options: ResolveStageOptions) {
  return async function resolve(ctx: RequestContext): Promise<void> {
    const { segments, trailingSlash } = ctx.target!;
    const preference = options.preferenceFor(ctx);
    const encodes = preference !== undefined && preference.codings.length > 0;
    const resolution = await engine.resolve({
      segments,
      trailingSlash,
      // HEAD of a response compressed on the fly needs the bytes too: its Content-Length is theirs.
      wantBody: ctx.req.method === 'GET' || (ctx.req.method === 'HEAD' && encodes && options.compress),
      encodings: encodes && options.precompressed ? preference.codings : undefined,
    });
    if (resolution.kind === 'file' && resolution.fd !== undefined) ctx.fd = resolution.fd;
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
        return;
    }
  };
}
