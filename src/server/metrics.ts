// Prometheus metrics (prom-client), one registry per server so tests can run several in a process.
// The pipeline reports through the small Metrics interface; nothing here is on the hot path
// unless --admin-port is set (otherwise NO_METRICS, whose methods do nothing).

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PoolStats } from '../engine/engine';

/** What the server reports; every method is cheap. */
export interface Metrics {
  requestStarted(): void;
  requestFinished(method: string, status: number, bytes: number, seconds: number): void;
  connectionOpened(): void;
  connectionClosed(): void;
  compressedCache(hit: boolean): void;
  authFailure(): void;
  workerFailure(): void;
}

export const NO_METRICS: Metrics = {
  requestStarted: () => undefined,
  requestFinished: () => undefined,
  connectionOpened: () => undefined,
  connectionClosed: () => undefined,
  compressedCache: () => undefined,
  authFailure: () => undefined,
  workerFailure: () => undefined,
};


const METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface CacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly entries: number;
  readonly bytes: number;
}

/** Read when scraped: the pool's load (threaded engine) and the hot-path cache (unless --no-cache). */
export interface MetricSources {
  readonly poolStats?: () => PoolStats;
  readonly cacheStats?: () => CacheStats;
}

export function createMetrics({ poolStats, cacheStats }: MetricSources): { metrics: Metrics; registry: Registry } {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'tinyhttp_requests_total',
    help: 'Requests answered, by method and status class',
    labelNames: ['method', 'status'] as const,
    registers: [registry],
  });
  const bytes = new Counter({ name: 'tinyhttp_response_body_bytes_total', help: 'Body bytes sent', registers: [registry] });
  const duration = new Histogram({
    name: 'tinyhttp_request_duration_seconds',
    help: 'Time from request to the end of its answer',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const inFlight = new Gauge({ name: 'tinyhttp_requests_in_flight', help: 'Requests being answered', registers: [registry] });
  const connections = new Gauge({ name: 'tinyhttp_open_connections', help: 'Open client connections', registers: [registry] });
  const cache = new Counter({
    name: 'tinyhttp_compressed_cache_lookups_total',
    help: 'Compressed-body cache lookups, by result',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const authFailures = new Counter({ name: 'tinyhttp_auth_failures_total', help: 'Failed authentication attempts', registers: [registry] });
  const workerFailures = new Counter({
    name: 'tinyhttp_worker_restarts_total',
    help: 'Pool workers that failed and were replaced',
    registers: [registry],
  });
  if (poolStats !== undefined) {
    new Gauge({
      name: 'tinyhttp_pool_queue_length',
      help: 'File tasks waiting for a worker',
      registers: [registry],
      collect() {
        this.set(poolStats().queueSize);
      },
    });
    new Gauge({
      name: 'tinyhttp_pool_utilization_ratio',
      help: 'Share of the worker pool in use (0..1)',
      registers: [registry],
      collect() {
        this.set(poolStats().utilization);
      },
    });
    new Gauge({
      name: 'tinyhttp_pool_threads',
      help: 'Worker threads in the pool',
      registers: [registry],
      collect() {
        this.set(poolStats().threads);
      },
    });
    new Counter({
      name: 'tinyhttp_pool_tasks_completed_total',
      help: 'Tasks the worker pool finished',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(poolStats().completed);
      },
    });
    // piscina keeps the timings as HDR histograms; their quantiles are exported as gauges.
    for (const [name, help, pick] of [
      ['tinyhttp_pool_wait_seconds', 'Time pool tasks waited for a worker, by quantile since start', (s: PoolStats) => s.waitTime],
      ['tinyhttp_pool_run_seconds', 'Time pool tasks ran in a worker, by quantile since start', (s: PoolStats) => s.runTime],
    ] as const) {
      new Gauge({
        name,
        help,
        labelNames: ['quantile'] as const,
        registers: [registry],
        collect() {
          const times = pick(poolStats());
          this.set({ quantile: '0.5' }, times.p50 / 1000);
          this.set({ quantile: '0.99' }, times.p99 / 1000);
        },
      });
    }
  }
  if (cacheStats !== undefined) {
    new Counter({
      name: 'tinyhttp_file_cache_lookups_total',
      help: 'Hot-path file cache lookups, by result',
      labelNames: ['result'] as const,
      registers: [registry],
      collect() {
        const stats = cacheStats();
        this.reset();
        this.inc({ result: 'hit' }, stats.hits);
        this.inc({ result: 'miss' }, stats.misses);
      },
    });
    new Gauge({
      name: 'tinyhttp_file_cache_bytes',
      help: 'Bytes held by the hot-path file cache',
      registers: [registry],
      collect() {
        this.set(cacheStats().bytes);
      },
    });
    new Gauge({
      name: 'tinyhttp_file_cache_entries',
      help: 'Files held by the hot-path file cache',
      registers: [registry],
      collect() {
        this.set(cacheStats().entries);
      },
    });
  }
  const metrics: Metrics = {
    requestStarted: () => inFlight.inc(),
    requestFinished(method, status, sent, seconds) {
      inFlight.dec();
      // Bounded label values: an arbitrary method must not create a new series.
      requests.inc({ method: METHODS.has(method) ? method : 'other', status: `${Math.floor(status / 100)}xx` });
      bytes.inc(sent);
      duration.observe(seconds);
    },
    connectionOpened: () => connections.inc(),
    connectionClosed: () => connections.dec(),
    compressedCache: (hit) => cache.inc({ result: hit ? 'hit' : 'miss' }),
    authFailure: () => authFailures.inc(),
    workerFailure: () => workerFailures.inc(),
  };
  return { metrics, registry };
}
