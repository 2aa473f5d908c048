// The hot-path cache: resolutions of small files, bytes included, kept on the primary thread so
// a hot file costs no file-system call and no pool round trip. It wraps an Engine, so both engines
// get it and the pipeline above sees no difference (cached and uncached answers are the same).
//
// Freshness: an entry is served for at most `ttlMs` after the file was last looked at. After that
// the next request asks the engine whether the file is still the same version (one stat of the
// real path that was opened: device, inode, size, mtime and ctime must all match); if it is, the
// entry is good for another `ttlMs`, and if anything differs the request resolves again with every
// check (realpath, containment, stat, open, read) and the result replaces the entry. A changed or
// deleted file is therefore never served stale past that window.
//
// Only file resolutions that came back with their bytes are kept: listings, redirects, missing
// and denied answers and streamed files always go to the engine.

import type { FileEntry, FileResolution, ResolveRequest } from '../core/resolution';
import type { Engine } from './engine';

/** Files larger than this stream from disk and are never cached, whatever the cache size. */
export const CACHE_MAX_FILE_BYTES = 1024 * 1024;
/**
 * The share of the TTL after which a hit renews its entry in the background: late enough that a
 * hot file is checked about once per TTL, early enough that the check (after up to CHECK_BATCH_MS
 * of batching) is back before the entry expires.
 */
const RENEW_AFTER = 0.75;
/** How long background checks gather before one engine call sends them all. */
const CHECK_BATCH_MS = 50;
/** What an entry costs besides its bytes (key, objects, map slot), so tiny files count too. */
const ENTRY_OVERHEAD_BYTES = 512;

export interface HotCacheOptions {
  /** Bytes the cache may hold, bodies plus a per-entry overhead. */
  readonly maxBytes: number;
  /** How long an entry is served before the file is looked at again (0: never served from cache). */
  readonly ttlMs: number;
  /** Milliseconds clock; tests substitute their own. */
  readonly now?: () => number;
}

export interface HotCacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly entries: number;
  readonly bytes: number;
}

export interface CachingEngine extends Engine {
  /**
   * True while `resolution` is the cache's current, unexpired answer for its request (counted as
   * a hit): what lets a memoised response built from it be sent again without asking the engine.
   */
  isFresh(resolution: FileResolution): boolean;
  cacheStats(): HotCacheStats;
  /** Forgets every entry (a reload may change what a path resolves to). */
  clearCache(): void;
}

interface Entry {
  readonly resolution: FileEntry & { readonly body: Uint8Array };
  readonly checkedAt: number;
  readonly cost: number;
}

interface Check {
  readonly key: string;
  readonly entry: Entry;
  readonly resolve: (unchanged: boolean) => void;
  readonly reject: (error: unknown) => void;
}

/** The request's identity for the cache: path, trailing slash and the twins asked for. */
function keyOf(request: ResolveRequest): string {
  // NUL cannot occur in a segment (the target parser refuses it), so keys cannot collide.
  return `${request.encodings?.join(',') ?? ''}\0${request.segments.join('/')}\0${request.trailingSlash ? '/' : ''}`;
}

export function withHotCache(engine: Engine, options: HotCacheOptions): CachingEngine {
  const now = options.now ?? Date.now;
  const maxFileBytes = Math.min(CACHE_MAX_FILE_BYTES, Math.floor(options.maxBytes / 4));
  // Insertion order is recency order: a hit moves its entry to the end, eviction takes the front.
  const entries = new Map<string, Entry>();
  const keyOfCached = new WeakMap<FileResolution, string>();
  /** Lookups under way, by key and wantBody: requests arriving meanwhile share the answer. */
  const inFlight = new Map<string, Promise<FileResolution>>();
  /** Revalidations under way, by key. */
  const checking = new Map<string, Promise<boolean>>();
  let bytes = 0;
  let hits = 0;
  let misses = 0;

  function forget(key: string, entry: Entry): void {
    entries.delete(key);
    bytes -= entry.cost;
  }

  function store(key: string, resolution: FileEntry & { readonly body: Uint8Array }, checkedAt: number): void {
    const cost = resolution.body.byteLength + ENTRY_OVERHEAD_BYTES + key.length * 2;
    if (cost > options.maxBytes) return;
    entries.set(key, { resolution, checkedAt, cost });
    keyOfCached.set(resolution, key);
    bytes += cost;
    for (const [oldKey, old] of entries) {
      if (bytes <= options.maxBytes) break;
      forget(oldKey, old);
    }
  }

  /**
   * Counts the hit and makes `entry` the most recently used. Past 3/4 of its TTL, a hit also starts
   * the check in the background, so a file in steady demand is renewed before it expires and its
   * requests never wait for the disk (the entry's age still counts from when that check began).
   */
  function touch(key: string, entry: Entry, age: number): void {
    hits++;
    entries.delete(key);
    entries.set(key, entry);
    if (age >= options.ttlMs * RENEW_AFTER && entry.resolution.stamp !== undefined && !checking.has(key)) {
      revalidate(key, entry, true).catch(() => undefined); // a failed check leaves the entry to expire
    }
  }

  function isFresh(resolution: FileResolution): boolean {
    const key = keyOfCached.get(resolution);
    const entry = key === undefined ? undefined : entries.get(key);
    if (entry === undefined || entry.resolution !== resolution) return false;
    const age = now() - entry.checkedAt;
    if (age >= options.ttlMs) return false;
    touch(key!, entry, age);
    return true;
  }

  /** Background checks waiting to be sent together, by key. */
  let queued = new Map<string, Check>();
  let flushTimer: NodeJS.Timeout | undefined;

  /**
   * Whether an entry's file is unchanged (one check for everyone asking): renews the entry if so,
   * drops it if not. Background checks wait up to CHECK_BATCH_MS so that one engine call (one pool
   * task when threaded) checks many files; a request that waits on a check sends it at once.
   */
  function revalidate(key: string, entry: Entry, background: boolean): Promise<boolean> {
    const pending = checking.get(key);
    if (pending !== undefined) {
      if (!background && queued.has(key)) flushChecks();
      return pending;
    }
    let check!: Check;
    const promise = new Promise<boolean>((resolve, reject) => (check = { key, entry, resolve, reject }));
    checking.set(key, promise);
    queued.set(key, check);
    if (!background) flushChecks();
    else flushTimer ??= setTimeout(flushChecks, Math.min(CHECK_BATCH_MS, (options.ttlMs * (1 - RENEW_AFTER)) / 2)).unref();
    return promise;
  }

  function flushChecks(): void {
    if (flushTimer !== undefined) clearTimeout(flushTimer);
    flushTimer = undefined;
    const batch = [...queued.values()];
    queued = new Map();
    if (batch.length === 0) return;
    // Renewed entries count their age from before the files were looked at.
    const checkedAt = now();
    engine.areUnchanged(batch.map((check) => check.entry.resolution.stamp!)).then(
      (results) => {
        batch.forEach(({ key, entry, resolve }, i) => {
          checking.delete(key);
          if (entries.get(key) === entry) {
            if (results[i]) {
              entries.delete(key);
              entries.set(key, { ...entry, checkedAt });
            } else {
              forget(key, entry);
            }
          }
          resolve(results[i] === true);
        });
      },
      (error: unknown) => {
        for (const { key, reject } of batch) {
          checking.delete(key);
          reject(error);
        }
      },
    );
  }

  async function resolve(request: ResolveRequest): Promise<FileResolution> {
    const key = keyOf(request);
    const entry = entries.get(key);
    if (entry !== undefined) {
      const age = now() - entry.checkedAt;
      if (age < options.ttlMs) {
        touch(key, entry, age);
        return entry.resolution;
      }
      if (entry.resolution.stamp !== undefined && (await revalidate(key, entry, false))) {
        hits++;
        return entry.resolution;
      }
      if (entries.get(key) === entry) forget(key, entry);
    }
    misses++;
    // When an entry expires under load, every request for it misses at once: one lookup serves
    // them all (in the threaded engine a herd of pool tasks would queue behind each other).
    const flightKey = request.wantBody ? key : key + '\0head';
    const pending = inFlight.get(flightKey);
    if (pending !== undefined) {
      const shared = await pending;
      // A descriptor belongs to the one request it was opened for: the others open their own.
      if (shared.kind !== 'file' || shared.fd === undefined) return shared;
      return engine.resolve({ ...request, bodyUpTo: maxFileBytes });
    }
    const checkedAt = now();
    // Asked with the bytes of anything small enough to keep: the next request needs no disk.
    const lookup = engine.resolve({ ...request, bodyUpTo: maxFileBytes });
    inFlight.set(flightKey, lookup);
    let resolution: FileResolution;
    try {
      resolution = await lookup;
    } finally {
      inFlight.delete(flightKey);
    }
    if (resolution.kind === 'file' && resolution.body !== undefined && options.ttlMs > 0) {
      const previous = entries.get(key);
      if (previous !== undefined) forget(key, previous);
      store(key, resolution as FileEntry & { readonly body: Uint8Array }, checkedAt);
    }
    return resolution;
  }

  return {
    ...engine,
    resolve,
    isFresh,
    cacheStats: () => ({ hits, misses, entries: entries.size, bytes }),
    clearCache() {
      entries.clear();
      bytes = 0;
    },
  };
}
