// The Engine decides where the resolve core runs; the pipeline sees only this interface.

import type { CompressTask, FileResolution, FileStamp, ResolveRequest } from '../core/resolution';

export type EngineMode = 'async' | 'threaded';

/** Latency quantiles of pool tasks, in milliseconds (since start). */
export interface TaskTimes {
  readonly p50: number;
  readonly p99: number;
}

export interface PoolStats {
  /** Worker threads alive now. */
  readonly threads: number;
  /** Tasks waiting for a worker. */
  readonly queueSize: number;
  /** 0..1: the share of the pool's capacity in use. */
  readonly utilization: number;
  /** Tasks the pool has finished. */
  readonly completed: number;
  /** From submission until a worker takes the task. */
  readonly waitTime: TaskTimes;
  /** From a worker taking the task until its result is posted. */
  readonly runTime: TaskTimes;
}

export interface Engine {
  readonly mode: EngineMode;
  /** Worker threads doing the resolve work (0 for the async engine). */
  readonly threads: number;
  /** Never rejects with a client-visible message: failures are HttpErrors or `failed` resolutions. */
  resolve(request: ResolveRequest): Promise<FileResolution>;
  /** Per stamp: is the file a resolution came from still that version? (a stat each; core/resolve-file.ts) */
  areUnchanged(stamps: readonly FileStamp[]): Promise<boolean[]>;
  /** Compresses a file's bytes (in the pool when threaded, on libuv's pool when async). */
  compress(task: CompressTask): Promise<Uint8Array>;
  /** Checks a password against a stored hash (slow by design: in the pool when threaded). */
  verifyPassword(hash: string, password: string): Promise<boolean>;
  /** Threaded only: the pool's queue, load and timings, for metrics. */
  stats?(): PoolStats;
  close(): Promise<void>;
}
