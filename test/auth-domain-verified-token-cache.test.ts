import { describe, expect, it } from "vitest";
import { VerifiedTokenCache } from "../src/auth/domain/index.js";

function cacheAt(maxEntries: number) {
  const clock = { now: 1_000 };
  const cache = new VerifiedTokenCache<string>({ maxEntries, now: () => clock.now });
  return { cache, clock };
}

describe("verified token cache", () => {
  it("returns what was stored until it expires, then forgets it", () => {
    const { cache, clock } = cacheAt(10);
    cache.set("token-a", "claims-a", 2_000);
    expect(cache.get("token-a")).toBe("claims-a");
    clock.now = 2_000;
    expect(cache.get("token-a")).toBeUndefined();
    expect(cache.stats()).toEqual({ size: 0, hits: 1, misses: 1 });
  });

  it("does not store what has already expired", () => {
    const { cache } = cacheAt(10);
    cache.set("token-a", "claims-a", 1_000);
    expect(cache.stats().size).toBe(0);
  });

  it("never grows beyond its bound, evicting the least recently used entry", () => {
    const { cache } = cacheAt(2);
    cache.set("a", "A", 5_000);
    cache.set("b", "B", 5_000);
    cache.get("a");
    cache.set("c", "C", 5_000);
    expect(cache.stats().size).toBe(2);
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBe("A");
    expect(cache.get("c")).toBe("C");
  });

  it("drops expired entries at the least recently used end first", () => {
    const { cache, clock } = cacheAt(2);
    cache.set("short", "S", 1_500);
    cache.set("long", "L", 9_000);
    clock.now = 2_000;
    cache.set("new", "N", 9_000);
    expect(cache.get("long")).toBe("L");
    expect(cache.get("new")).toBe("N");
  });

  it("refuses a nonsensical bound", () => {
    expect(() => new VerifiedTokenCache({ maxEntries: 0 })).toThrow();
  });
});
