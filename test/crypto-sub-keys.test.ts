import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hkdfSha256 } from "../src/crypto/hkdf.js";
import { deriveSubKey } from "../src/crypto/index.js";
import type { SubKeyPurpose } from "../src/crypto/index.js";

const PURPOSES: SubKeyPurpose[] = [
  "token-signing",
  "api-key-hash",
  "audit-hmac",
  "refresh-token-hash",
  "recovery-code-hash",
];

describe("sub-key derivation", () => {
  const master = randomBytes(32);

  it("is HKDF-SHA256 with an empty salt and info warden/<purpose>/v1", () => {
    const expected = hkdfSha256(master, new Uint8Array(0), Buffer.from("warden/audit-hmac/v1"), 32);
    expect(deriveSubKey(master, "audit-hmac")).toEqual(expected);
  });

  it("is deterministic, 32 bytes by default, and distinct per purpose", () => {
    const derived = PURPOSES.map((purpose) => Buffer.from(deriveSubKey(master, purpose)).toString("hex"));
    expect(new Set(derived).size).toBe(PURPOSES.length);
    for (const [index, purpose] of PURPOSES.entries()) {
      expect(deriveSubKey(master, purpose)).toHaveLength(32);
      expect(Buffer.from(deriveSubKey(master, purpose)).toString("hex")).toBe(derived[index]);
    }
  });

  it("depends on the master key and honours the requested length", () => {
    expect(deriveSubKey(randomBytes(32), "api-key-hash")).not.toEqual(deriveSubKey(master, "api-key-hash"));
    expect(deriveSubKey(master, "token-signing", 64)).toHaveLength(64);
  });
});
