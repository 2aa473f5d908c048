// Stage 2, lexical security checks on the normalised path: dotfiles.         → 404
// (`..`, NUL, backslash and bad encodings were already refused while parsing the target.)

import { HttpError } from '../errors/http-error';
import { isHiddenPath } from '../http/target';
import type { RequestContext } from './context';

export function createSecurityStage() {
  return function checkSecurity(ctx: RequestContext): void {
    // SECURITY: fail closed with 404, so the client cannot tell a hidden file from a missing one.
    if (isHiddenPath(ctx.target!.segments)) throw new HttpError('TH_ERR_NOT_FOUND', { cause: 'hidden path' });
  };
}
