// The Engine decides where the resolve core runs; the pipeline sees only this interface.

import type { CompressTask, FileResolution, ResolveRequest } from '../core/resolution';

export type EngineMode = 'async' | 'threaded';

export interface Engine {
  readonly mode: EngineMode;
  /** Worker threads doing the resolve work (0 for the async engine). */
  readonly threads: number;
  /** Never rejects with a client-visible message: failures are HttpErrors or `failed` resolutions. */
  resolve(request: ResolveRequest): Promise<FileResolution>;
  /** Compresses a file's bytes (in the pool when threaded, on libuv's pool when async). */
  compress(task: CompressTask): Promise<Uint8Array>;
  /** Checks a password against a stored hash (slow by design: in the pool when threaded). */
  verifyPassword(hash: string, password: string): Promise<boolean>;
  /** Threaded only: the pool's queue and load, for metrics. */
  stats?(): { readonly queueSize: number; readonly utilization: number };
  close(): Promise<void>;
}
