import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generateKeySpec, KeyRing, parseKeySpec } from "../src/crypto/index.js";

describe("KeyRing", () => {
  it("makes the highest version current and finds every version", () => {
    const keys = [1, 3, 2].map((version) => ({ version, key: randomBytes(32) }));
    const ring = new KeyRing(keys);
    expect(ring.current.version).toBe(3);
    expect(ring.current.key).toEqual(new Uint8Array(keys[1]!.key));
    expect(ring.get(2)).toEqual(new Uint8Array(keys[2]!.key));
    expect(ring.get(4)).toBeUndefined();
  });

  it("keeps its own copy of the keys", () => {
    const key = randomBytes(32);
    const ring = new KeyRing([{ version: 1, key }]);
    const original = Buffer.from(key);
    key.fill(0);
    expect(ring.get(1)).toEqual(new Uint8Array(original));
  });

  it("refuses an empty ring, short keys, duplicate and non-positive versions", () => {
    const key = randomBytes(32);
    expect(() => new KeyRing([])).toThrow(/at least one key/);
    expect(() => new KeyRing([{ version: 1, key: randomBytes(16) }])).toThrow(/32 bytes/);
    expect(() => new KeyRing([{ version: 1, key }, { version: 1, key }])).toThrow(/more than once/);
    for (const version of [0, -1, 1.5, Number.NaN]) {
      expect(() => new KeyRing([{ version, key }])).toThrow(/positive integer/);
    }
  });
});

describe("key specs", () => {
  const key = randomBytes(32);
  const base64 = key.toString("base64");

  it("reads bare base64 as version 1", () => {
    expect(parseKeySpec(base64)).toEqual({ version: 1, key: new Uint8Array(key) });
  });

  it("reads v<N>:base64, with or without padding and surrounding whitespace", () => {
    expect(parseKeySpec(`v12:${base64}`)).toEqual({ version: 12, key: new Uint8Array(key) });
    expect(parseKeySpec(` v2:${base64.replace(/=+$/, "")}\n`)).toEqual({ version: 2, key: new Uint8Array(key) });
  });

  it("rejects bad input with a message that contains no key material", () => {
    const short = randomBytes(16).toString("base64");
    const cases: Array<[string, RegExp]> = [
      ["", /32 bytes/],
      [short, /32 bytes, got 16/],
      [`v0:${base64}`, /positive integer/],
      [`${base64.slice(0, 10)}*${base64.slice(11)}`, /not valid base64/],
      [`v1:${base64}${base64}`, /not valid base64|32 bytes/],
    ];
    for (const [spec, message] of cases) {
      let error: unknown;
      try {
        parseKeySpec(spec);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain(base64.slice(0, 8));
      expect((error as Error).message).not.toContain(short.slice(0, 8));
    }
  });

  it("generates specs that parse back to fresh 32-byte keys", () => {
    const spec = generateKeySpec(3);
    expect(spec).toMatch(/^v3:[A-Za-z0-9+/]{43}=$/);
    expect(parseKeySpec(spec).version).toBe(3);
    expect(parseKeySpec(generateKeySpec()).version).toBe(1);
    expect(generateKeySpec()).not.toBe(generateKeySpec());
  });
});
