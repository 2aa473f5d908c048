// AsyncEngine: the resolve core runs on the event loop, its I/O on libuv's thread pool.

import { areUnchanged, createResolver } from '../core/resolve-file';
import type { ResolverOptions } from '../core/resolution';
import { verifyPassword } from '../auth/password-hash';
import { compressAsync } from '../core/compress';
import type { Engine } from './engine';

export function createAsyncEngine(options: ResolverOptions): Engine {
  const resolve = createResolver(options);
  return {
    mode: 'async',
    threads: 0,
    resolve,
    areUnchanged,
    compress: compressAsync,
    verifyPassword,
    close: async () => undefined,
  };
}
