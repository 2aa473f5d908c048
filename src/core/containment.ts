// Root containment for real (symlink-free) paths. Used by the resolve core and the listing.

import path from 'node:path';
import { isHiddenPath } from '../http/target';

/** SECURITY: containment by path.relative on real paths (fastify-static's isPathInsideRoot),
 *  never startsWith, which would let `/srv/public-old` pass for a root of `/srv/public`. */
export function isInsideRoot(root: string, real: string): boolean {
  if (real === root) return true;
  const relative = path.relative(root, real);
  return relative !== '' && relative !== '..' && !relative.startsWith('..' + path.sep) && !path.isAbsolute(relative);
}

/** SECURITY: a real path may be served when it is inside the root and no segment of it is hidden,
 *  so a symlink that lands on a dotfile is hidden like the dotfile itself. */
export function isServableRealPath(root: string, real: string): boolean {
  if (real === root) return true;
  return isInsideRoot(root, real) && !isHiddenPath(path.relative(root, real).split(path.sep));
}
