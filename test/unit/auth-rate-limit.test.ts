import { FailureLimiter, VerificationCache } from '../../src/auth/rate-limit';

const WINDOW = 60_000;
const T0 = 1_000_000;

/** A limiter with one failure from `address` recorded at each offset from T0. */
function limiterWith(max: number, offsets: number[], address = '192.0.2.1', maxTracked?: number): FailureLimiter {
  const limiter = new FailureLimiter(max, WINDOW, maxTracked);
  for (const offset of offsets) limiter.recordFailure(address, T0 + offset);
  return limiter;
}

describe('FailureLimiter', () => {
  test.each([
    // [case, maxFailures, failure offsets, check at offset, Retry-After seconds]
    ['no failures', 3, [], 0, 0],
    ['one failure below a limit of 3', 3, [0], 1, 0],
    ['two failures below a limit of 3', 3, [0, 1_000], 2_000, 0],
    ['three failures reach a limit of 3: wait until the oldest leaves the window', 3, [0, 1_000, 2_000], 2_000, 58],
    ['a fractional second rounds up', 3, [0, 0, 0], 500, 60],
    ['right after the failures the wait is the whole window', 1, [0], 0, 60],
    ['less than a second before the oldest leaves, at least 1', 3, [0, 1_000, 2_000], WINDOW - 1, 1],
    ['the oldest failure leaves the window exactly at its end', 3, [0, 1_000, 2_000], WINDOW, 0],
    ['after the whole window everything is forgotten', 3, [0, 1_000, 2_000], WINDOW + 2_000, 0],
    ['more failures than the limit keep the oldest as reference', 2, [0, 10_000, 20_000], 20_000, 40],
    ['failures outside the window do not count', 2, [0, 70_000], 70_000, 0],
    ['maxFailures 0 never blocks', 0, [0, 1, 2, 3, 4, 5], 6, 0],
  ])('%s → Retry-After %i', (_case, max, offsets, at, seconds) => {
    expect(limiterWith(max, offsets).retryAfterSeconds('192.0.2.1', T0 + at)).toBe(seconds);
  });

  test('Retry-After counts down as time passes and reaches 0 after the window', () => {
    const limiter = limiterWith(2, [0, 5_000]);
    expect([0, 10_000, 30_000, 59_001, 60_000].map((at) => limiter.retryAfterSeconds('192.0.2.1', T0 + at))).toEqual([
      60, 50, 30, 1, 0,
    ]);
  });

  test('a blocked address is blocked again by new failures after the window', () => {
    const limiter = limiterWith(2, [0, 1_000]);
    expect(limiter.retryAfterSeconds('192.0.2.1', T0 + 1_000)).toBe(59);
    limiter.recordFailure('192.0.2.1', T0 + 61_000);
    expect(limiter.retryAfterSeconds('192.0.2.1', T0 + 61_000)).toBe(0);
    limiter.recordFailure('192.0.2.1', T0 + 62_000);
    expect(limiter.retryAfterSeconds('192.0.2.1', T0 + 62_000)).toBe(59);
  });

  test('separate addresses are counted independently', () => {
    const limiter = limiterWith(2, [0, 1_000], '192.0.2.1');
    limiter.recordFailure('192.0.2.2', T0 + 1_000);
    expect(limiter.retryAfterSeconds('192.0.2.1', T0 + 1_000)).toBeGreaterThan(0);
    expect(limiter.retryAfterSeconds('192.0.2.2', T0 + 1_000)).toBe(0);
    expect(limiter.retryAfterSeconds('2001:db8::1', T0 + 1_000)).toBe(0);
  });

  test.each([
    // [case, addresses recorded in order, address → blocked]
    ['the oldest address is forgotten past maxTracked', ['a', 'b', 'c'], { a: false, b: true, c: true }],
    ['a new failure makes an address the newest again', ['a', 'b', 'a', 'c'], { a: true, b: false, c: true }],
    ['within maxTracked nothing is forgotten', ['a', 'b'], { a: true, b: true }],
  ])('%s', (_case, addresses, blocked) => {
    const limiter = new FailureLimiter(1, WINDOW, 2);
    addresses.forEach((address, i) => limiter.recordFailure(address, T0 + i));
    const actual = Object.fromEntries(Object.keys(blocked).map((a) => [a, limiter.retryAfterSeconds(a, T0 + 10) > 0]));
    expect(actual).toEqual(blocked);
  });

  test('uses the clock when no time is given', () => {
    const limiter = new FailureLimiter(1, WINDOW);
    limiter.recordFailure('192.0.2.9');
    expect(limiter.retryAfterSeconds('192.0.2.9')).toBeGreaterThanOrEqual(59);
  });
});

describe('VerificationCache', () => {
  const TTL = 1_000;

  test.each([
    // [case, added at, checked at, present]
    ['just after adding', 0, 0, true],
    ['just before the TTL ends', 0, TTL - 1, true],
    ['exactly at the TTL', 0, TTL, false],
    ['after the TTL', 0, TTL * 5, false],
  ])('an entry %s → %s', (_case, addedAt, checkedAt, present) => {
    const cache = new VerificationCache(TTL);
    cache.add('k', T0 + addedAt);
    expect(cache.has('k', T0 + checkedAt)).toBe(present);
  });

  test('an unknown key is absent', () => {
    expect(new VerificationCache(TTL).has('never-added', T0)).toBe(false);
  });

  test('an expired entry stays gone even if the clock goes back', () => {
    const cache = new VerificationCache(TTL);
    cache.add('k', T0);
    expect(cache.has('k', T0 + TTL)).toBe(false);
    expect(cache.has('k', T0)).toBe(false);
  });

  test('adding again extends the lifetime', () => {
    const cache = new VerificationCache(TTL);
    cache.add('k', T0);
    cache.add('k', T0 + 900);
    expect(cache.has('k', T0 + 1_500)).toBe(true);
    expect(cache.has('k', T0 + 1_900)).toBe(false);
  });

  test('clear removes every entry', () => {
    const cache = new VerificationCache(TTL);
    cache.add('a', T0);
    cache.add('b', T0);
    cache.clear();
    expect([cache.has('a', T0), cache.has('b', T0)]).toEqual([false, false]);
  });

  test('past maxEntries the oldest entry is evicted first', () => {
    const cache = new VerificationCache(TTL, 2);
    ['a', 'b', 'c'].forEach((key, i) => cache.add(key, T0 + i));
    expect(['a', 'b', 'c'].map((key) => cache.has(key, T0 + 10))).toEqual([false, true, true]);
  });

  test('uses the clock when no time is given', () => {
    const cache = new VerificationCache(60_000);
    cache.add('k');
    expect(cache.has('k')).toBe(true);
  });
});
