// Failed-authentication limiter per client address: past `maxFailures` in `windowMs`, the client
// gets 429 with Retry-After and no hash is computed at all.

export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();
  /** Verifications under way per address: each counts as a failure until it succeeds, so a
   *  burst of parallel guesses cannot all be checked before the first failure is recorded. */
  private readonly pending = new Map<string, number>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
    /** Addresses tracked at once; the oldest are forgotten first, so memory stays bounded. */
    private readonly maxTracked = 10_000,
  ) {}

  /** Seconds until `address` may try again, or 0 when it is not blocked. */
  retryAfterSeconds(address: string, now = Date.now()): number {
    if (this.maxFailures === 0) return 0;
    const recent = this.prune(address, now);
    if (recent.length + (this.pending.get(address) ?? 0) < this.maxFailures) return 0;
    return recent.length === 0 ? 1 : Math.max(1, Math.ceil((recent[0] + this.windowMs - now) / 1000));
  }

  /** Marks a verification as under way for `address`; call `settle` when it ends. */
  begin(address: string): void {
    this.pending.set(address, (this.pending.get(address) ?? 0) + 1);
  }

  settle(address: string): void {
    const count = (this.pending.get(address) ?? 1) - 1;
    if (count <= 0) this.pending.delete(address);
    else this.pending.set(address, count);
  }

  recordFailure(address: string, now = Date.now()): void {
    if (this.maxFailures === 0) return;
    const recent = this.prune(address, now);
    recent.push(now);
    this.failures.delete(address); // re-insert: Map order is our LRU order
    this.failures.set(address, recent);
    if (this.failures.size > this.maxTracked) this.failures.delete(this.failures.keys().next().value!);
  }

  private prune(address: string, now: number): number[] {
    const list = this.failures.get(address) ?? [];
    while (list.length > 0 && list[0] <= now - this.windowMs) list.shift();
    return list;
  }
}

/**
 * Remembers successful Basic verifications briefly, keyed by an HMAC of user and password under a
 * per-process random key: keep-alive clients do not pay a hash per request, and the cache holds
 * no password.
 */
export class VerificationCache {
  private readonly entries = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  has(key: string, now = Date.now()): boolean {
    const expiresAt = this.entries.get(key);
    if (expiresAt === undefined) return false;
    if (expiresAt <= now) {
      this.entries.delete(key);
      return false;
    }
    return true;
  }

  add(key: string, now = Date.now()): void {
    this.entries.set(key, now + this.ttlMs);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  clear(): void {
    this.entries.clear();
  }
}
