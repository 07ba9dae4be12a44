import { createHash } from "node:crypto";

export interface VerifiedTokenCacheOptions {
  readonly maxEntries: number;
  /** Milliseconds since the epoch; injectable so tests control expiry. */
  readonly now?: () => number;
}

export interface VerifiedTokenCacheStats {
  readonly size: number;
  readonly hits: number;
  readonly misses: number;
}

interface Entry<Claims> {
  readonly claims: Claims;
  readonly expiresAtMs: number;
}

/**
 * Remembers tokens whose signature and claims were already checked, until they expire, so a
 * repeated token skips the (slow) signature verification. Keys are SHA-256 digests: the cache
 * never holds bearer tokens themselves. Map insertion order doubles as recency order.
 */
export class VerifiedTokenCache<Claims> {
  readonly #entries = new Map<string, Entry<Claims>>();
  readonly #maxEntries: number;
  readonly #now: () => number;
  #hits = 0;
  #misses = 0;

  constructor({ maxEntries, now = Date.now }: VerifiedTokenCacheOptions) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new Error(`maxEntries must be a positive integer, got ${maxEntries}`);
    }
    this.#maxEntries = maxEntries;
    this.#now = now;
  }

  get(token: string): Claims | undefined {
    const key = digest(token);
    const entry = this.#entries.get(key);
    if (entry === undefined) {
      this.#misses += 1;
      return undefined;
    }
    this.#entries.delete(key);
    if (entry.expiresAtMs <= this.#now()) {
      this.#misses += 1;
      return undefined;
    }
    this.#entries.set(key, entry);
    this.#hits += 1;
    return entry.claims;
  }

  set(token: string, claims: Claims, expiresAtMs: number): void {
    if (expiresAtMs <= this.#now()) return;
    const key = digest(token);
    this.#entries.delete(key);
    this.#makeRoom();
    this.#entries.set(key, { claims, expiresAtMs });
  }

  stats(): VerifiedTokenCacheStats {
    return { size: this.#entries.size, hits: this.#hits, misses: this.#misses };
  }

  /**
   * Drops expired entries from the least recently used end, then the least recently used entry
   * while the cache is full. Stops at the first live entry once there is room, so it stays cheap.
   */
  #makeRoom(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) {
      if (this.#entries.size < this.#maxEntries && entry.expiresAtMs > now) return;
      this.#entries.delete(key);
    }
  }
}

function digest(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("base64url");
}
