import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { consumeRecoveryCode as consumeWith, generateRecoveryCodes, normalizeRecoveryCode } from "../src/auth/domain/index.js";
import { constantTimeEqual, hashSecret } from "../src/crypto/index.js";

const hmacKey = randomBytes(32);

/** Codes stored as the keyed hash of their normalized form, as the auth use cases store them. */
const hashRecoveryCode = (code: string, key: Uint8Array): string => hashSecret(normalizeRecoveryCode(code), key);
const consumeRecoveryCode = (code: string, stored: readonly string[], key: Uint8Array) =>
  consumeWith(code, stored, (normalized, hash) => constantTimeEqual(hashSecret(normalized, key), hash));
const CODE_FORM = /^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}$/;

describe("recovery codes", () => {
  it("generates ten distinct xxxx-xxxx-xxxx codes from 32 unambiguous symbols (60 bits each)", () => {
    const codes = generateRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(CODE_FORM);
    const symbols = new Set(generateRecoveryCodes(200).join("").replaceAll("-", ""));
    expect(symbols.size).toBe(32);
    for (const ambiguous of ["i", "l", "o", "u"]) expect(symbols.has(ambiguous)).toBe(false);
  });

  it("generates the number asked for, and refuses a nonsensical count", () => {
    expect(generateRecoveryCodes(3)).toHaveLength(3);
    expect(() => generateRecoveryCodes(0)).toThrow();
    expect(() => generateRecoveryCodes(2.5)).toThrow();
  });

  it("hashes with the key, ignoring case, dashes and spaces", () => {
    const [code = ""] = generateRecoveryCodes(1);
    const hash = hashRecoveryCode(code, hmacKey);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashRecoveryCode(code.toUpperCase(), hmacKey)).toBe(hash);
    expect(hashRecoveryCode(code.replaceAll("-", ""), hmacKey)).toBe(hash);
    expect(hashRecoveryCode(` ${code.replaceAll("-", " ")} `, hmacKey)).toBe(hash);
    expect(hashRecoveryCode(code, randomBytes(32))).not.toBe(hash);
  });

  it("consumes a code once, leaving the others", () => {
    const codes = generateRecoveryCodes(3);
    const stored = codes.map((code) => hashRecoveryCode(code, hmacKey));
    const used = consumeRecoveryCode(codes[1] ?? "", stored, hmacKey);
    expect(used).toEqual({ remaining: [stored[0], stored[2]] });
    expect(consumeRecoveryCode(codes[1] ?? "", used?.remaining ?? [], hmacKey)).toBeUndefined();
    expect(consumeRecoveryCode((codes[0] ?? "").toUpperCase(), used?.remaining ?? [], hmacKey)).toEqual({
      remaining: [stored[2]],
    });
  });

  it("reads o as 0 and i or l as 1, as a code copied by hand would be", () => {
    const code = "10ab-1cd0-ef10";
    const stored = [hashRecoveryCode(code, hmacKey)];
    expect(consumeRecoveryCode("lOab-Icd0-efio", stored, hmacKey)).toEqual({ remaining: [] });
  });

  it("refuses unknown, malformed and empty input", () => {
    const stored = generateRecoveryCodes(2).map((code) => hashRecoveryCode(code, hmacKey));
    expect(consumeRecoveryCode(generateRecoveryCodes(1)[0] ?? "", stored, hmacKey)).toBeUndefined();
    expect(consumeRecoveryCode("", stored, hmacKey)).toBeUndefined();
    expect(consumeRecoveryCode("not-a-code", stored, hmacKey)).toBeUndefined();
    expect(consumeRecoveryCode("abcd-efgh-jkmn-pqrs", stored, hmacKey)).toBeUndefined();
    expect(consumeRecoveryCode("abcd-efgh-jkmn", [], hmacKey)).toBeUndefined();
  });

  it("matches only with the key the hashes were made with", () => {
    const [code = ""] = generateRecoveryCodes(1);
    expect(consumeRecoveryCode(code, [hashRecoveryCode(code, hmacKey)], randomBytes(32))).toBeUndefined();
  });
});
