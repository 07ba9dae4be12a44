import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createCipher, DecryptionError, isEncrypted, KeyRing } from "../src/crypto/index.js";
import type { DecryptionFailureReason } from "../src/crypto/index.js";

const AAD = "settings/production/db.url";
const ring = new KeyRing([{ version: 1, key: randomBytes(32) }]);
const cipher = createCipher(ring);

function failureReason(action: () => unknown): DecryptionFailureReason | "NO_ERROR" | "OTHER_ERROR" {
  try {
    action();
    return "NO_ERROR";
  } catch (error) {
    return error instanceof DecryptionError ? error.reason : "OTHER_ERROR";
  }
}

function withPayloadByteFlipped(stored: string, index: number): string {
  const [prefix, base64] = stored.split(":") as [string, string];
  const payload = Buffer.from(base64, "base64");
  payload[index] = (payload[index] as number) ^ 0x01;
  return `${prefix}:${payload.toString("base64")}`;
}

describe("cipher round trip", () => {
  it("decrypts what it encrypted, including empty and non-ASCII text", () => {
    for (const plaintext of ["postgres://db.internal/warden", "", "pässwörd ✓ 秘密"]) {
      expect(cipher.decrypt(cipher.encrypt(plaintext, AAD), AAD)).toBe(plaintext);
    }
  });

  it("stores v<N>: + base64 of nonce, ciphertext and tag", () => {
    const stored = cipher.encrypt("hello", AAD);
    expect(stored).toMatch(/^v1:[A-Za-z0-9+/]+={0,2}$/);
    expect(Buffer.from(stored.slice(3), "base64")).toHaveLength(12 + "hello".length + 16);
    expect(isEncrypted(stored)).toBe(true);
  });

  it("uses a fresh nonce every time", () => {
    expect(cipher.encrypt("same", AAD)).not.toBe(cipher.encrypt("same", AAD));
  });
});

describe("cipher detects tampering", () => {
  it("refuses a ciphertext moved to another row (different AAD) as TAMPERED", () => {
    const stored = cipher.encrypt("secret", AAD);
    expect(failureReason(() => cipher.decrypt(stored, "settings/staging/db.url"))).toBe("TAMPERED");
  });

  it("refuses a flipped bit in any byte of nonce, ciphertext or tag as TAMPERED", () => {
    const stored = cipher.encrypt("a value worth protecting", AAD);
    const payloadLength = Buffer.from(stored.slice(3), "base64").length;
    for (let index = 0; index < payloadLength; index += 1) {
      expect(failureReason(() => cipher.decrypt(withPayloadByteFlipped(stored, index), AAD))).toBe("TAMPERED");
    }
  });

  it("refuses a truncated or extended payload as TAMPERED", () => {
    const stored = cipher.encrypt("a value worth protecting", AAD);
    const payload = Buffer.from(stored.slice(3), "base64");
    for (const altered of [payload.subarray(0, -1), Buffer.concat([payload, Buffer.of(0)])]) {
      expect(failureReason(() => cipher.decrypt(`v1:${altered.toString("base64")}`, AAD))).toBe("TAMPERED");
    }
  });

  it("refuses a value encrypted under another key with the same version as TAMPERED", () => {
    const other = createCipher(new KeyRing([{ version: 1, key: randomBytes(32) }]));
    expect(failureReason(() => cipher.decrypt(other.encrypt("x", AAD), AAD))).toBe("TAMPERED");
  });

  it("refuses a key version the ring does not hold as UNKNOWN_KEY_VERSION", () => {
    const stored = cipher.encrypt("secret", AAD).replace(/^v1:/, "v7:");
    expect(failureReason(() => cipher.decrypt(stored, AAD))).toBe("UNKNOWN_KEY_VERSION");
  });

  it("refuses anything not in the stored form as MALFORMED", () => {
    const valid = cipher.encrypt("secret", AAD);
    const garbage = [
      "",
      "plain text",
      valid.slice(3),
      `v0:${valid.slice(3)}`,
      `v01:${valid.slice(3)}`,
      `V1:${valid.slice(3)}`,
      `v1:${valid.slice(3)}\n`,
      `v1:${valid.slice(3, -1)}`,
      `v1:${Buffer.alloc(27).toString("base64")}`,
      "v1:!!!!",
    ];
    for (const value of garbage) {
      expect(isEncrypted(value)).toBe(false);
      expect(failureReason(() => cipher.decrypt(value, AAD))).toBe("MALFORMED");
    }
  });

  it("keeps key material out of the error", () => {
    const key = randomBytes(32);
    const lone = createCipher(new KeyRing([{ version: 1, key }]));
    try {
      lone.decrypt(cipher.encrypt("x", AAD), AAD);
      expect.unreachable();
    } catch (error) {
      const text = `${String(error)} ${JSON.stringify(error)}`;
      expect(text).not.toContain(key.toString("base64"));
      expect(text).not.toContain(key.toString("hex"));
    }
  });
});
