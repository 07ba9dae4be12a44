import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { constantTimeEqual, generateApiKey, hashSecret, parseApiKey, randomToken } from "../src/crypto/index.js";

describe("API key material", () => {
  it("generates wdn_<8 lowercase alphanumerics>_<base64url of 32 bytes>", () => {
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const { key, prefix, secret } = generateApiKey();
      expect(prefix).toMatch(/^[a-z0-9]{8}$/);
      expect(Buffer.from(secret, "base64url")).toHaveLength(32);
      expect(key).toBe(`wdn_${prefix}_${secret}`);
      expect(parseApiKey(key)).toEqual({ prefix, secret });
    }
  });

  it("parses secrets that themselves contain '_' and '-'", () => {
    const secret = `_-${"A".repeat(39)}_-`;
    expect(parseApiKey(`wdn_abc12345_${secret}`)).toEqual({ prefix: "abc12345", secret });
  });

  it("rejects anything that is not exactly a Warden API key", () => {
    const { key, prefix, secret } = generateApiKey();
    const bad = [
      "",
      "wdn_",
      secret,
      `wdn_${prefix}${secret}`,
      `WDN_${prefix}_${secret}`,
      `wdx_${prefix}_${secret}`,
      `wdn_${prefix.toUpperCase()}_${secret}`,
      `wdn_${prefix.slice(1)}_${secret}`,
      `wdn_${prefix}x_${secret}`,
      `wdn_ab_12345_${secret}`,
      `wdn_${prefix}_${secret.slice(1)}`,
      `wdn_${prefix}_${secret}A`,
      `wdn_${prefix}_${secret.slice(1)}=`,
      `wdn_${prefix}_${secret.slice(1)}+`,
      ` ${key}`,
      `${key}\n`,
    ];
    for (const candidate of bad) {
      expect(parseApiKey(candidate)).toBeUndefined();
    }
  });

  it("hashes a secret stably under a key, and differently under another key", () => {
    const key = randomBytes(32);
    const { secret } = generateApiKey();
    expect(hashSecret(secret, key)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashSecret(secret, key)).toBe(hashSecret(secret, Uint8Array.from(key)));
    expect(hashSecret(secret, randomBytes(32))).not.toBe(hashSecret(secret, key));
    expect(hashSecret(`${secret}x`, key)).not.toBe(hashSecret(secret, key));
  });

  it("computes HMAC-SHA256 (RFC 4231 test case 2)", () => {
    expect(hashSecret("what do ya want for nothing?", Buffer.from("Jefe"))).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
  });

  it("compares strings for equality without early exit", () => {
    expect(constantTimeEqual("abc", "abc")).toBe(true);
    expect(constantTimeEqual("", "")).toBe(true);
    expect(constantTimeEqual("abc", "abd")).toBe(false);
    expect(constantTimeEqual("abc", "abcd")).toBe(false);
    expect(constantTimeEqual("", "a")).toBe(false);
  });

  it("makes random base64url tokens of the requested size", () => {
    expect(Buffer.from(randomToken(), "base64url")).toHaveLength(32);
    expect(randomToken(48)).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(randomToken()).not.toBe(randomToken());
  });
});
