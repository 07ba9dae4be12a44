import { createHash, randomBytes } from "node:crypto";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { createAccessTokens, deriveTokenSigningKeys } from "../src/auth/domain/index.js";
import type { TokenSigningKeys } from "../src/auth/domain/index.js";
import { deriveSubKey } from "../src/crypto/index.js";

const v1 = { version: 1, key: randomBytes(32) };
const v2 = { version: 2, key: randomBytes(32) };
const SUBJECT = { userId: "u-1", username: "alice", sessionId: "s-1" };

function accessTokens(keys: TokenSigningKeys) {
  return createAccessTokens({ keys, issuer: "warden", audience: "warden", ttlSeconds: 900 });
}

describe("token signing keys", () => {
  it("publishes one public key per key-ring version, newest first, with kid v<N>-<sha256 prefix>", async () => {
    const keys = await deriveTokenSigningKeys({ keys: [v1, v2], currentVersion: 2 });
    const { keys: published } = keys.jwks();
    expect(published.map((jwk) => jwk.kid)).toEqual([
      expect.stringMatching(/^v2-[0-9a-f]{16}$/),
      expect.stringMatching(/^v1-[0-9a-f]{16}$/),
    ]);
    for (const jwk of published) {
      const rawPublicKey = Buffer.from(jwk.x, "base64url");
      expect(rawPublicKey).toHaveLength(32);
      const digest = createHash("sha256").update(rawPublicKey).digest("hex");
      expect(jwk.kid.endsWith(`-${digest.slice(0, 16)}`)).toBe(true);
    }
    expect(keys.signing.kid).toBe(published[0]?.kid);
  });

  it("publishes no private material", async () => {
    const keys = await deriveTokenSigningKeys({ keys: [v1, v2], currentVersion: 2 });
    const serialized = JSON.stringify(keys.jwks());
    for (const jwk of keys.jwks().keys) {
      expect(Object.keys(jwk).sort()).toEqual(["alg", "crv", "kid", "kty", "use", "x"]);
      expect(jwk).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
    }
    for (const { key } of [v1, v2]) {
      const seed = Buffer.from(deriveSubKey(key, "token-signing"));
      expect(serialized).not.toContain(seed.toString("base64url"));
      expect(serialized).not.toContain(seed.toString("hex"));
      expect(serialized).not.toContain(Buffer.from(key).toString("base64url"));
    }
  });

  it("derives the same keys on every instance sharing the master keys", async () => {
    const first = await deriveTokenSigningKeys({ keys: [v1, v2], currentVersion: 2 });
    const second = await deriveTokenSigningKeys({ keys: [v2, v1], currentVersion: 2 });
    expect(second.jwks()).toEqual(first.jwks());
    const { token } = await accessTokens(first).issue(SUBJECT);
    await expect(accessTokens(second).verify(token)).resolves.toMatchObject(SUBJECT);
  });

  it("derives different keys from a different master key", async () => {
    const mine = await deriveTokenSigningKeys({ keys: [v1], currentVersion: 1 });
    const theirs = await deriveTokenSigningKeys({ keys: [{ version: 1, key: randomBytes(32) }], currentVersion: 1 });
    expect(theirs.signing.kid).not.toBe(mine.signing.kid);
  });

  it("still verifies a v1 token after v2 is added, and signs new tokens with v2", async () => {
    const beforeRotation = await deriveTokenSigningKeys({ keys: [v1], currentVersion: 1 });
    const afterRotation = await deriveTokenSigningKeys({ keys: [v1, v2], currentVersion: 2 });
    const { token: oldToken } = await accessTokens(beforeRotation).issue(SUBJECT);

    await expect(accessTokens(afterRotation).verify(oldToken)).resolves.toMatchObject(SUBJECT);
    const { token: newToken } = await accessTokens(afterRotation).issue(SUBJECT);
    expect(decodeProtectedHeader(newToken).kid).toMatch(/^v2-/);
    expect(decodeProtectedHeader(oldToken).kid).toBe(beforeRotation.signing.kid);
  });

  it("refuses v1 tokens once v1 leaves the ring", async () => {
    const beforeRotation = await deriveTokenSigningKeys({ keys: [v1], currentVersion: 1 });
    const v2Only = await deriveTokenSigningKeys({ keys: [v2], currentVersion: 2 });
    const { token } = await accessTokens(beforeRotation).issue(SUBJECT);
    await expect(accessTokens(v2Only).verify(token)).rejects.toMatchObject({ reason: "INVALID_TOKEN" });
  });

  it("lets another service verify tokens with the published JWK Set alone", async () => {
    const keys = await deriveTokenSigningKeys({ keys: [v1, v2], currentVersion: 2 });
    const { token } = await accessTokens(keys).issue(SUBJECT);
    const jwks = createLocalJWKSet(JSON.parse(JSON.stringify(keys.jwks())) as Parameters<typeof createLocalJWKSet>[0]);
    const { payload } = await jwtVerify(token, jwks, { algorithms: ["EdDSA"], issuer: "warden", audience: "warden" });
    expect(payload.sub).toBe("u-1");
  });

  it("refuses a current version that is not in the ring", async () => {
    await expect(deriveTokenSigningKeys({ keys: [v1], currentVersion: 2 })).rejects.toThrow(/current key version 2/);
  });
});
