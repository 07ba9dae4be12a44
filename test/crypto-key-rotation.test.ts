import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createCipher, DecryptionError, KeyRing } from "../src/crypto/index.js";

const AAD = "settings/production/payments.api_key";
const v1 = { version: 1, key: randomBytes(32) };
const v2 = { version: 2, key: randomBytes(32) };

describe("key rotation", () => {
  const before = createCipher(new KeyRing([v1]));
  const after = createCipher(new KeyRing([v2, v1]));
  const storedUnderV1 = before.encrypt("sk_live_123", AAD);

  it("decrypts a value written under v1 with the ring {v1, v2}", () => {
    expect(after.decrypt(storedUnderV1, AAD)).toBe("sk_live_123");
  });

  it("encrypts new values under the highest version", () => {
    expect(after.encrypt("new", AAD)).toMatch(/^v2:/);
  });

  it("reports which values still need re-encryption", () => {
    expect(after.needsReencrypt(storedUnderV1)).toBe(true);
    expect(after.needsReencrypt(after.encrypt("new", AAD))).toBe(false);
    expect(() => after.needsReencrypt("not encrypted")).toThrow(DecryptionError);
  });

  it("re-encrypts a v1 value under v2, readable once v1 is retired", () => {
    const rewrapped = after.reencrypt(storedUnderV1, AAD);
    expect(rewrapped).toMatch(/^v2:/);
    expect(after.needsReencrypt(rewrapped)).toBe(false);
    expect(createCipher(new KeyRing([v2])).decrypt(rewrapped, AAD)).toBe("sk_live_123");
  });

  it("does not re-encrypt a value whose AAD does not match", () => {
    expect(() => after.reencrypt(storedUnderV1, "settings/staging/payments.api_key")).toThrow(
      expect.objectContaining({ reason: "TAMPERED" }),
    );
  });
});
