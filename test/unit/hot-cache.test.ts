import type { FileEntry, FileResolution, ResolveRequest } from '../../src/core/resolution';
import type { Engine } from '../../src/engine/engine';
import { CACHE_MAX_FILE_BYTES, withHotCache } from '../../src/engine/hot-cache';

/** An engine over an in-memory table of path → size (missing when absent), counting its calls. */
function fakeEngine(files: Map<string, number>, stamped = false) {
  const asked: ResolveRequest[] = [];
  const checked: string[] = [];
  let version = 0;
  const engine: Engine = {
    mode: 'async',
    threads: 0,
    async resolve(request) {
      asked.push(request);
      const size = files.get(request.segments.join('/'));
      if (size === undefined) return { kind: 'missing' };
      const path = request.segments.join('/');
      const stamp = stamped ? { path, version: String(size) } : undefined;
      const entry: FileEntry = { kind: 'file', size, mtimeMs: 0, etag: `"v${++version}"`, contentType: 'text/plain', stamp };
      if (!request.wantBody) return entry;
      return size <= (request.bodyUpTo ?? 64) ? { ...entry, body: new Uint8Array(size) } : { ...entry, fd: 99 };
    },
    async areUnchanged(stamps) {
      checked.push(...stamps.map((stamp) => stamp.path));
      return stamps.map((stamp) => String(files.get(stamp.path)) === stamp.version);
    },
    compress: async () => new Uint8Array(0),
    verifyPassword: async () => false,
    close: async () => undefined,
  };
  return { engine, asked, checked };
}

/** A file of `small` bytes and one just past the cache's per-file limit. */
const smallAndBig = (small: number) => new Map([['small', small], ['big', CACHE_MAX_FILE_BYTES + 1]]);

const get = (path: string): ResolveRequest => ({ segments: path.split('/'), trailingSlash: false, wantBody: true });

describe('hot-path cache', () => {
  let clock = 0;
  const now = () => clock;
  beforeEach(() => (clock = 1_000));

  test('a second request within the TTL is answered without the engine, with the same resolution', async () => {
    const { engine, asked } = fakeEngine(new Map([['a.txt', 10]]));
    const cache = withHotCache(engine, { maxBytes: 1 << 20, ttlMs: 500, now });
    const first = await cache.resolve(get('a.txt'));
    clock += 499;
    expect(await cache.resolve(get('a.txt'))).toBe(first);
    expect(asked).toHaveLength(1);
    expect(cache.cacheStats()).toMatchObject({ hits: 1, misses: 1, entries: 1 });
  });

  test('past the TTL the engine is asked again and its answer replaces the entry (change or deletion)', async () => {
    const files = new Map([['a.txt', 10]]);
    const { engine, asked } = fakeEngine(files);
    const cache = withHotCache(engine, { maxBytes: 1 << 20, ttlMs: 500, now });
    const first = (await cache.resolve(get('a.txt'))) as FileEntry;
    clock += 500;
    const second = (await cache.resolve(get('a.txt'))) as FileEntry;
    expect(second.etag).not.toBe(first.etag);
    expect(cache.isFresh(first)).toBe(false);
    files.delete('a.txt');
    clock += 500;
    expect((await cache.resolve(get('a.txt'))).kind).toBe('missing');
    expect(asked).toHaveLength(3);
    expect(cache.cacheStats()).toMatchObject({ entries: 0, bytes: 0 });
  });

  test('asks for the bytes of files up to the per-file limit; larger files and HEAD answers are not kept', async () => {
    const files = smallAndBig(100);
    const { engine, asked } = fakeEngine(files);
    const cache = withHotCache(engine, { maxBytes: 64 << 20, ttlMs: 1000, now });
    expect(await cache.resolve(get('small'))).toHaveProperty('body');
    expect(asked[0].bodyUpTo).toBe(CACHE_MAX_FILE_BYTES);
    expect(await cache.resolve(get('big'))).toHaveProperty('fd', 99);
    await cache.resolve(get('big'));
    await cache.resolve({ ...get('small'), segments: ['small'], wantBody: false, encodings: ['br'] });
    await cache.resolve({ ...get('small'), segments: ['small'], wantBody: false, encodings: ['br'] });
    expect(cache.cacheStats().entries).toBe(1);
    expect(asked).toHaveLength(5);
  });

  test('twins asked for and the trailing slash are part of the key', async () => {
    const { engine, asked } = fakeEngine(new Map([['a', 10]]));
    const cache = withHotCache(engine, { maxBytes: 1 << 20, ttlMs: 1000, now });
    await cache.resolve(get('a'));
    await cache.resolve({ ...get('a'), encodings: ['br', 'gzip'] });
    await cache.resolve({ ...get('a'), encodings: ['gzip'] });
    await cache.resolve({ ...get('a'), trailingSlash: true });
    expect(asked).toHaveLength(4);
  });

  test('least recently used entries go once the byte budget is spent', async () => {
    const files = new Map([
      ['a', 600],
      ['b', 600],
      ['c', 600],
    ]);
    const { engine, asked } = fakeEngine(files);
    // Each entry costs its bytes plus a fixed overhead: two fit in 3,000 bytes, three do not.
    const cache = withHotCache(engine, { maxBytes: 3_000, ttlMs: 1000, now });
    await cache.resolve(get('a'));
    await cache.resolve(get('b'));
    await cache.resolve(get('a')); // a is now the most recent
    await cache.resolve(get('c')); // evicts b
    expect(asked.map((r) => r.segments[0])).toEqual(['a', 'b', 'c']);
    await cache.resolve(get('a'));
    await cache.resolve(get('b'));
    expect(asked.map((r) => r.segments[0])).toEqual(['a', 'b', 'c', 'b']);
    expect(cache.cacheStats().bytes).toBeLessThanOrEqual(3_000);
  });

  test('a TTL of 0 keeps nothing; clearCache forgets everything', async () => {
    const { engine, asked } = fakeEngine(new Map([['a', 10]]));
    const off = withHotCache(engine, { maxBytes: 1 << 20, ttlMs: 0, now });
    await off.resolve(get('a'));
    await off.resolve(get('a'));
    expect(asked).toHaveLength(2);
    const on = withHotCache(engine, { maxBytes: 1 << 20, ttlMs: 1000, now });
    const kept: FileResolution = await on.resolve(get('a'));
    on.clearCache();
    expect(on.isFresh(kept)).toBe(false);
    await on.resolve(get('a'));
    expect(asked).toHaveLength(4);
  });

  test('requests that miss together share one lookup; a descriptor is never shared', async () => {
    const files = smallAndBig(10);
    const { engine, asked } = fakeEngine(files);
    const cache = withHotCache(engine, { maxBytes: 64 << 20, ttlMs: 1000, now });
    const small = await Promise.all([cache.resolve(get('small')), cache.resolve(get('small')), cache.resolve(get('small'))]);
    expect(asked).toHaveLength(1);
    expect(small[1]).toBe(small[0]);
    const big = (await Promise.all([cache.resolve(get('big')), cache.resolve(get('big'))])) as FileEntry[];
    expect(asked).toHaveLength(3);
    expect(big.every((resolution) => resolution.fd === 99)).toBe(true);
  });

  test('past the TTL an unchanged file is renewed with one check, no lookup; a changed one is looked up again', async () => {
    const files = new Map([['a', 10]]);
    const { engine, asked, checked } = fakeEngine(files, true);
    const cache = withHotCache(engine, { maxBytes: 1 << 20, ttlMs: 500, now });
    const first = await cache.resolve(get('a'));
    clock += 600;
    expect(cache.isFresh(first)).toBe(false);
    const again = await Promise.all([cache.resolve(get('a')), cache.resolve(get('a'))]);
    expect(again[0]).toBe(first);
    expect(again[1]).toBe(first);
    expect(checked).toEqual(['a']); // one check for both
    expect(asked).toHaveLength(1);
    expect(cache.isFresh(first)).toBe(true); // renewed for another TTL
    files.set('a', 11);
    clock += 600;
    const changed = (await cache.resolve(get('a'))) as FileEntry;
    expect(changed).not.toBe(first);
    expect(changed.size).toBe(11);
    expect(asked).toHaveLength(2);
  });
});
