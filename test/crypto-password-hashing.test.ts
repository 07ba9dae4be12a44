import { pbkdf2Sync } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_PASSWORD_ITERATIONS,
  hashPassword,
  LEGACY_PASSWORD_ITERATIONS,
  passwordNeedsRehash,
  verifyPassword,
} from "../src/crypto/index.js";

const FAST = 1_000;
const PASSWORD = "correct horse battery staple";

/** What passlib's pbkdf2_sha256.hash() writes: adapted base64 ('.' for '+', no padding). */
function passlibHash(password: string, salt: Buffer, iterations: number): string {
  const ab64 = (bytes: Buffer) => bytes.toString("base64").replace(/=+$/, "").replaceAll("+", ".");
  const hash = pbkdf2Sync(password, salt, iterations, 32, "sha256");
  return `$pbkdf2-sha256$${iterations}$${ab64(salt)}$${ab64(hash)}`;
}

describe("password hashing", () => {
  it("writes a PHC string with the iteration count, a 16-byte salt and a 32-byte hash", async () => {
    const phc = await hashPassword(PASSWORD, FAST);
    const match = /^\$pbkdf2-sha256\$i=1000,l=32\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(phc);
    expect(match).not.toBeNull();
    expect(Buffer.from(match![1]!, "base64")).toHaveLength(16);
    expect(Buffer.from(match![2]!, "base64")).toHaveLength(32);
  });

  it("uses 600,000 iterations by default", async () => {
    expect(DEFAULT_PASSWORD_ITERATIONS).toBe(600_000);
    const phc = await hashPassword(PASSWORD);
    expect(phc).toMatch(/^\$pbkdf2-sha256\$i=600000,l=32\$/);
    expect(await verifyPassword(PASSWORD, phc)).toBe(true);
    expect(passwordNeedsRehash(phc)).toBe(false);
  });

  it("salts every hash differently", async () => {
    expect(await hashPassword(PASSWORD, FAST)).not.toBe(await hashPassword(PASSWORD, FAST));
  });

  it("verifies the right password and refuses a wrong one", async () => {
    const phc = await hashPassword(PASSWORD, FAST);
    expect(await verifyPassword(PASSWORD, phc)).toBe(true);
    expect(await verifyPassword(`${PASSWORD} `, phc)).toBe(false);
    expect(await verifyPassword("", phc)).toBe(false);
  });

  it("treats passwords as UTF-8", async () => {
    const phc = await hashPassword("pässwörd-秘密", FAST);
    expect(await verifyPassword("pässwörd-秘密", phc)).toBe(true);
    expect(await verifyPassword("passwort-秘密", phc)).toBe(false);
  });

  it("verifies a 480,000-iteration hash and asks for it to be upgraded", async () => {
    expect(LEGACY_PASSWORD_ITERATIONS).toBe(480_000);
    const legacy = await hashPassword(PASSWORD, LEGACY_PASSWORD_ITERATIONS);
    expect(await verifyPassword(PASSWORD, legacy)).toBe(true);
    expect(passwordNeedsRehash(legacy)).toBe(true);
    expect(passwordNeedsRehash(legacy, LEGACY_PASSWORD_ITERATIONS)).toBe(false);
  });

  it("verifies hashes in passlib's form, and always asks for them to be rewritten", async () => {
    // This salt's base64 contains '+', so the '.' substitution is exercised.
    const salt = Buffer.from("fb00ff00fb00ff00fb00ff00fb00ff00", "hex");
    const passlib = passlibHash(PASSWORD, salt, FAST);
    expect(passlib).toContain(".");
    expect(await verifyPassword(PASSWORD, passlib)).toBe(true);
    expect(await verifyPassword("wrong", passlib)).toBe(false);
    expect(passwordNeedsRehash(passlib, FAST)).toBe(true);
  });

  it("verifies the example hash printed in passlib's documentation", async () => {
    const fromPasslibDocs = "$pbkdf2-sha256$29000$N2YMIWQsBWBMae09x1jrPQ$1t8iyB2A.WF/Z5JZv.lfCIhXXN33N23OSgQYThBYRfk";
    expect(await verifyPassword("toomanysecrets", fromPasslibDocs)).toBe(true);
    expect(await verifyPassword("joshua", fromPasslibDocs)).toBe(false);
  });

  it("returns false, without throwing, for malformed stored hashes", async () => {
    const good = await hashPassword(PASSWORD, FAST);
    const [, , params, salt, hash] = good.split("$") as [string, string, string, string, string];
    const malformed = [
      "",
      PASSWORD,
      "$pbkdf2-sha256$",
      `$pbkdf2-sha512$${params}$${salt}$${hash}`,
      `$pbkdf2-sha256$i=0,l=32$${salt}$${hash}`,
      `$pbkdf2-sha256$i=99999999999,l=32$${salt}$${hash}`,
      `$pbkdf2-sha256$i=1000,l=64$${salt}$${hash}`,
      `$pbkdf2-sha256$${params}$${salt}$${hash.slice(0, -2)}`,
      `$pbkdf2-sha256$${params}$${salt}$${hash}=`,
      `$pbkdf2-sha256$${params}$$${hash}`,
      `$pbkdf2-sha256$${params}$${salt}$${hash}$extra`,
      `$pbkdf2-sha256$abc$${salt}$${hash}`,
    ];
    for (const stored of malformed) {
      expect(await verifyPassword(PASSWORD, stored)).toBe(false);
      expect(passwordNeedsRehash(stored)).toBe(true);
    }
  });
});
