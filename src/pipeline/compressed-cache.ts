// A bounded LRU of compressed bodies, so a hot asset is compressed once. Concurrent misses for the
// same key share one compression.

export class CompressedCache {
  private readonly entries = new Map<string, Uint8Array>();
  private readonly pending = new Map<string, Promise<Uint8Array>>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** The cached bytes for `key`, or the result of `produce` (run once however many ask at once). */
  async get(key: string, produce: () => Promise<Uint8Array>): Promise<Uint8Array> {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      // Most recently used goes last; eviction takes from the front.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    let inFlight = this.pending.get(key);
    if (inFlight === undefined) {
      // The entry is stored in the same step that ends the pending one: requests resuming from
      // other promises (pool results arrive together) must never find neither.
      inFlight = produce().then(
        (bytes) => {
          this.pending.delete(key);
          this.store(key, bytes);
          return bytes;
        },
        (error: unknown) => {
          this.pending.delete(key);
          throw error; // the callers answer it
        },
      );
      this.pending.set(key, inFlight);
    }
    return inFlight;
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  private store(key: string, bytes: Uint8Array): void {
    if (bytes.length > this.maxBytes / 4) return; // one huge body must not flush everything else
    this.entries.set(key, bytes);
    this.bytes += bytes.length;
    for (const [oldKey, oldBytes] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldKey);
      this.bytes -= oldBytes.length;
    }
  }
}
