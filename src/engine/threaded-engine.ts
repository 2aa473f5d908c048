// ThreadedEngine: the resolve core runs in a piscina pool (workers/resolve.ts); the primary
// thread only parses, negotiates and writes. A failed or dead worker fails only its own task.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { Piscina } from 'piscina';
import type { CompressTask, FileResolution, FileStamp, ResolveRequest, ResolverOptions } from '../core/resolution';
import { HttpError } from '../errors/http-error';
import { DEFAULT_MAX_QUEUE } from '../config/options';
import type { Engine } from './engine';

const DEFAULT_TASK_TIMEOUT_MS = 30_000;


export interface ThreadedEngineOptions {
  readonly threads: number;
  /** Tasks that may wait for a worker; past this a task is refused at once (503), never queued. */
  readonly maxQueue?: number;
  /** A task running (or waiting) longer than this is abandoned and its worker replaced. */
  readonly taskTimeoutMs?: number;
  /** Called when a worker fails (piscina replaces it). */
  readonly onWorkerFailure?: () => void;
  /** Compiled worker module; tests substitute a wrapper around the real one. */
  readonly workerFilename?: string;
}

/**
 * piscina loads compiled JavaScript, so the worker is `dist/workers/resolve.js` whether this file
 * runs from `dist/` (production) or from `src/` through ts-jest (tests, after `npm run build`).
 */
export function findWorkerFilename(): string {
  const besideThisFile = path.resolve(__dirname, '../../workers/resolve.js');
  if (existsSync(besideThisFile)) return besideThisFile;
  const built = path.resolve(__dirname, '../../dist/workers/resolve.js');
  if (existsSync(built)) return built;
  throw new Error('compiled worker not found; run "npm run build" first');
}

export function createThreadedEngine(resolverOptions: ResolverOptions, options: ThreadedEngineOptions): Engine {
  const pool = new Piscina({
    filename: options.workerFilename ?? findWorkerFilename(),
    minThreads: options.threads,
    maxThreads: options.threads,
    idleTimeout: Infinity,
    workerData: resolverOptions,
    // Descriptors a worker opens are handed to the primary thread, which streams and closes them.
    // With tracking on, Node would close them again when the worker exits, possibly after the
    // number was reused for another file: a wrong-file-served hazard.
    trackUnmanagedFds: false,
  });
  // A worker that dies is replaced by piscina; its task rejects and is answered below.
  pool.on('error', () => options.onWorkerFailure?.());

  // The queue bound is kept here rather than by piscina's maxQueue, which abortable tasks (the
  // worker timeout below) slip past.
  const capacity = options.threads + (options.maxQueue ?? DEFAULT_MAX_QUEUE);
  let outstanding = 0;

  /** Runs a pool task; a worker that threw or died fails only this request, with a 503. */
  async function runTask<T>(task: unknown, name?: string): Promise<T> {
    // A full queue is load, not a fault: no error id, no error log line per refused task.
    if (outstanding >= capacity) throw new HttpError('TH_ERR_POOL_BUSY', { headers: { 'Retry-After': '1' } });
    outstanding++;
    try {
      // A hung worker (an NFS stall, a runaway regex in a future feature) must not hold a
      // request forever: piscina terminates the worker of an aborted running task.
      const signal = AbortSignal.timeout(options.taskTimeoutMs ?? DEFAULT_TASK_TIMEOUT_MS);
      return (await pool.run(task, { name, signal })) as T;
    } catch (cause) {
      if (cause instanceof Error && cause.name === 'AbortError') {
        options.onWorkerFailure?.();
        throw new HttpError('TH_ERR_WORKER_FAILED', { cause: 'task timed out', headers: { 'Retry-After': '1' } });
      }
      throw new HttpError('TH_ERR_WORKER_FAILED', { cause, headers: { 'Retry-After': '1' } });
    } finally {
      outstanding--;
    }
  }

  return {
    mode: 'threaded',
    threads: options.threads,
    resolve: (request: ResolveRequest) => runTask<FileResolution>(request),
    areUnchanged: (stamps: readonly FileStamp[]) => runTask<boolean[]>(stamps, 'areUnchanged'),
    compress: (task: CompressTask) => runTask<Uint8Array>(task, 'compress'),
    verifyPassword: async (hash: string, password: string) => (await runTask<boolean>({ hash, password }, 'verifyPassword')) === true,
    stats: () => {
      const { waitTime, runTime } = pool.histogram;
      return {
        threads: pool.threads.length,
        queueSize: Math.max(0, outstanding - options.threads),
        utilization: pool.utilization,
        completed: pool.completed,
        waitTime: { p50: waitTime.p50, p99: waitTime.p99 },
        runTime: { p50: runTime.p50, p99: runTime.p99 },
      };
    },
    close: () => pool.destroy(),
  };
}
