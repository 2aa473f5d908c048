// Pool worker for the threaded engine: runs the shared resolve core and moves small bodies back
// to the primary thread as transferred ArrayBuffers (no copy). Imports core/ only.

import { move, transferableSymbol, valueSymbol, workerData } from 'piscina';
import { verifyPassword as verifyPasswordHash } from '../src/auth/password-hash';
import { compressSync } from '../src/core/compress';
import { areUnchangedSync, createResolver } from '../src/core/resolve-file';
import type { CompressTask, FileResolution, FileStamp, ResolveRequest, ResolverOptions } from '../src/core/resolution';

const resolveFile = createResolver(workerData as ResolverOptions);

/** Wraps a resolution so piscina transfers its body's buffer instead of cloning it. */
function withTransferredBody(resolution: FileResolution & { body: Uint8Array }) {
  return move({
    get [transferableSymbol]() {
      return [resolution.body.buffer];
    },
    get [valueSymbol]() {
      return resolution;
    },
  } as never);
}

export default async function resolve(request: ResolveRequest): Promise<unknown> {
  const resolution = await resolveFile(request);
  if (resolution.kind === 'file' && resolution.body !== undefined && resolution.body.byteLength > 0) {
    return withTransferredBody(resolution as FileResolution & { body: Uint8Array });
  }
  return resolution;
}

/** Task `areUnchanged`: the hot-path cache's revalidation, a stat per file, many files a task. */
export function areUnchanged(stamps: readonly FileStamp[]): boolean[] {
  return areUnchangedSync(stamps);
}

/** Second task of the pool (run with `{ name: 'verifyPassword' }`): a slow password-hash check. */
export async function verifyPassword(task: { hash: string; password: string }): Promise<boolean> {
  return verifyPasswordHash(task.hash, task.password);
}

/** Third task (`{ name: 'compress' }`): brotli or gzip of a file's bytes, moved back without a copy. */
export function compress(task: CompressTask): unknown {
  const output = compressSync(task);
  // Its own ArrayBuffer, so the transfer moves only it: zlib may return a Buffer that views
  // Node's shared allocation pool, and transferring that would detach the pool under this worker.
  const owned = output.byteOffset === 0 && output.byteLength === output.buffer.byteLength ? output : new Uint8Array(output);
  return move(owned as never);
}
