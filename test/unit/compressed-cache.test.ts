import { CompressedCache } from '../../src/pipeline/compressed-cache';

describe('CompressedCache', () => {
  test('asking again in any microtask after the result arrives never compresses twice', async () => {
    const cache = new CompressedCache(1_000_000);
    let calls = 0;
    let release: (bytes: Uint8Array) => void = () => undefined;
    const produce = () => {
      calls++;
      return new Promise<Uint8Array>((resolve) => (release = resolve));
    };
    const first = cache.get('k', produce);
    release(new Uint8Array(10));
    // Requests resuming from other promises run in the microtasks right after: one per step.
    const later: Promise<Uint8Array>[] = [];
    for (let i = 0; i < 10; i++) {
      await Promise.resolve();
      later.push(cache.get('k', produce));
    }
    await Promise.all([first, ...later]);
    expect(calls).toBe(1);
  });

  test('a failed compression is not cached and the next ask tries again', async () => {
    const cache = new CompressedCache(1_000_000);
    await expect(cache.get('k', () => Promise.reject(new Error('worker failed')))).rejects.toThrow('worker failed');
    await expect(cache.get('k', async () => new Uint8Array(3))).resolves.toHaveLength(3);
  });

  test('least recently used entries go first once the budget is spent; one huge body is not kept', async () => {
    const cache = new CompressedCache(90);
    let calls = 0;
    const make = (size: number) => async () => {
      calls++;
      return new Uint8Array(size);
    };
    await cache.get('a', make(20));
    await cache.get('b', make(20));
    await cache.get('a', make(20)); // a is now the most recent
    await cache.get('c', make(20));
    await cache.get('d', make(20));
    await cache.get('e', make(20)); // 100 bytes > 90: b, the least recent, must go
    expect(cache.size).toEqual({ entries: 4, bytes: 80 });
    calls = 0;
    await cache.get('a', make(20));
    expect(calls).toBe(0);
    await cache.get('b', make(20));
    expect(calls).toBe(1);
    await cache.get('huge', make(60));
    await cache.get('huge', make(60));
    expect(calls).toBe(3);
  });
});
