import { randomBytes } from "node:crypto";
import { decodeProtectedHeader, SignJWT } from "jose";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAccessTokens, deriveTokenSigningKeys, VerifiedTokenCache } from "../src/auth/domain/index.js";
import type { AccessTokenClaims, AccessTokens, TokenSigningKeys } from "../src/auth/domain/index.js";
import { DomainError } from "../src/errors/index.js";


const ISSUER = "https://warden.test";
const AUDIENCE = "warden";
const TTL_SECONDS = 900;
const SUBJECT = { userId: "u-1", username: "alice", sessionId: "s-1" };

let nowMs = Date.UTC(2030, 0, 1);
const clock = () => nowMs;

let keys: TokenSigningKeys;
let otherRingKeys: TokenSigningKeys;

beforeAll(async () => {
  keys = await deriveTokenSigningKeys({ keys: [{ version: 1, key: randomBytes(32) }], currentVersion: 1 });
  otherRingKeys = await deriveTokenSigningKeys({ keys: [{ version: 1, key: randomBytes(32) }], currentVersion: 1 });
});

function tokens(overrides: { issuer?: string; audience?: string; signingKeys?: TokenSigningKeys } = {}): AccessTokens {
  return createAccessTokens({
    keys: overrides.signingKeys ?? keys,
    issuer: overrides.issuer ?? ISSUER,
    audience: overrides.audience ?? AUDIENCE,
    ttlSeconds: TTL_SECONDS,
    now: clock,
  });
}

function encodeSegment(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

function decodeSegment(segment: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(segment, "base64url").toString("utf8")) as Record<string, unknown>;
}

function validPayload(): Record<string, unknown> {
  const iat = Math.floor(nowMs / 1000);
  return { iss: ISSUER, aud: AUDIENCE, sub: "u-1", sid: "s-1", jti: "j-1", name: "alice", iat, exp: iat + TTL_SECONDS };
}

async function expectRejected(token: string, reason: "INVALID_TOKEN" | "TOKEN_EXPIRED", verifier = tokens()) {
  const error: unknown = await verifier.verify(token).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(DomainError);
  expect(error).toMatchObject({ kind: "unauthenticated", reason });
  const message = (error as DomainError).message;
  for (const part of token.split(".").filter((segment) => segment.length >= 8)) {
    expect(message).not.toContain(part);
  }
}

describe("access tokens", () => {
  beforeEach(() => {
    nowMs = Date.UTC(2030, 0, 1);
  });

  it("issues an EdDSA JWT with kid, typ and the documented claims", async () => {
    const { token, jti, expiresAt } = await tokens().issue(SUBJECT);
    expect(decodeProtectedHeader(token)).toEqual({ alg: "EdDSA", typ: "JWT", kid: keys.signing.kid });
    const payload = decodeSegment(token.split(".")[1] ?? "");
    const iat = Math.floor(nowMs / 1000);
    expect(payload).toEqual({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: "u-1",
      sid: "s-1",
      name: "alice",
      jti,
      iat,
      exp: iat + TTL_SECONDS,
    });
    expect(jti.length).toBeGreaterThanOrEqual(22);
    expect(expiresAt).toEqual(new Date((iat + TTL_SECONDS) * 1000));
  });

  it("verifies a valid token, and a second verify is served from the cache", async () => {
    const verifiedTokens = new VerifiedTokenCache<AccessTokenClaims>({ maxEntries: 10, now: clock });
    const accessTokens = createAccessTokens({
      keys,
      issuer: ISSUER,
      audience: AUDIENCE,
      ttlSeconds: TTL_SECONDS,
      now: clock,
      verifiedTokens,
    });
    const { token, jti, expiresAt } = await accessTokens.issue(SUBJECT);

    const first = await accessTokens.verify(token);
    const second = await accessTokens.verify(token);

    expect(first).toEqual({ ...SUBJECT, jti, issuedAt: new Date(Math.floor(nowMs / 1000) * 1000), expiresAt });
    expect(second).toEqual(first);
    // One signature check (the miss); the second verify was a hit: proven by the counts, not by timing.
    expect(verifiedTokens.stats()).toEqual({ size: 1, hits: 1, misses: 1 });
  });

  it("refuses a cached token once it expires", async () => {
    const accessTokens = tokens();
    const { token } = await accessTokens.issue(SUBJECT);
    await accessTokens.verify(token);
    nowMs += (TTL_SECONDS + 10) * 1000;
    await expectRejected(token, "TOKEN_EXPIRED", accessTokens);
  });

  it("accepts a token within the clock tolerance and refuses an expired one as TOKEN_EXPIRED", async () => {
    const { token } = await tokens().issue(SUBJECT);
    nowMs += (TTL_SECONDS + 3) * 1000;
    await expect(tokens().verify(token)).resolves.toMatchObject({ userId: "u-1" });
    nowMs += 10_000;
    await expectRejected(token, "TOKEN_EXPIRED");
  });

  it("refuses a tampered payload", async () => {
    const { token } = await tokens().issue(SUBJECT);
    const [header = "", payload = "", signature = ""] = token.split(".");
    const forged = encodeSegment({ ...decodeSegment(payload), sub: "u-admin" });
    await expectRejected(`${header}.${forged}.${signature}`, "INVALID_TOKEN");
  });

  it("refuses a tampered signature", async () => {
    const { token } = await tokens().issue(SUBJECT);
    const [header = "", payload = "", signature = ""] = token.split(".");
    const bytes = Buffer.from(signature, "base64url");
    bytes[0] = (bytes[0] ?? 0) ^ 0x01;
    await expectRejected(`${header}.${payload}.${bytes.toString("base64url")}`, "INVALID_TOKEN");
  });

  it("refuses an unsecured token (alg none)", async () => {
    const header = encodeSegment({ alg: "none", typ: "JWT", kid: keys.signing.kid });
    await expectRejected(`${header}.${encodeSegment(validPayload())}.`, "INVALID_TOKEN");
  });

  it("refuses an HS256 token keyed with the public key bytes", async () => {
    const publicJwk = keys.jwks().keys[0];
    if (publicJwk === undefined) throw new Error("no public key");
    for (const secret of [Buffer.from(publicJwk.x, "base64url"), Buffer.from(JSON.stringify(publicJwk))]) {
      const forged = await new SignJWT(validPayload())
        .setProtectedHeader({ alg: "HS256", typ: "JWT", kid: keys.signing.kid })
        .sign(secret);
      await expectRejected(forged, "INVALID_TOKEN");
    }
  });

  it("refuses a token for another audience or from another issuer", async () => {
    const forOtherAudience = await tokens({ audience: "billing" }).issue(SUBJECT);
    await expectRejected(forOtherAudience.token, "INVALID_TOKEN");
    const fromOtherIssuer = await tokens({ issuer: "https://evil.test" }).issue(SUBJECT);
    await expectRejected(fromOtherIssuer.token, "INVALID_TOKEN");
  });

  it("refuses an unknown or missing kid", async () => {
    const signed = (kid?: string) =>
      new SignJWT(validPayload())
        .setProtectedHeader(kid === undefined ? { alg: "EdDSA", typ: "JWT" } : { alg: "EdDSA", typ: "JWT", kid })
        .sign(keys.signing.privateKey);
    await expectRejected(await signed("v9-0000000000000000"), "INVALID_TOKEN");
    await expectRejected(await signed(), "INVALID_TOKEN");
  });

  it("refuses a token signed by another key ring, under its own kid or under ours", async () => {
    const { token } = await tokens({ signingKeys: otherRingKeys }).issue(SUBJECT);
    await expectRejected(token, "INVALID_TOKEN");
    const underOurKid = await new SignJWT(validPayload())
      .setProtectedHeader({ alg: "EdDSA", typ: "JWT", kid: keys.signing.kid })
      .sign(otherRingKeys.signing.privateKey);
    await expectRejected(underOurKid, "INVALID_TOKEN");
  });

  it.each(["sub", "sid", "jti", "name"])("refuses a correctly signed token without %s", async (claim) => {
    const payload = validPayload();
    delete payload[claim];
    const token = await new SignJWT(payload)
      .setProtectedHeader({ alg: "EdDSA", typ: "JWT", kid: keys.signing.kid })
      .sign(keys.signing.privateKey);
    await expectRejected(token, "INVALID_TOKEN");
  });

  it("refuses a correctly signed token with another typ", async () => {
    const token = await new SignJWT(validPayload())
      .setProtectedHeader({ alg: "EdDSA", typ: "refresh+jwt", kid: keys.signing.kid })
      .sign(keys.signing.privateKey);
    await expectRejected(token, "INVALID_TOKEN");
  });

  it("refuses garbage", async () => {
    for (const garbage of ["", "abc", "a.b.c", "Bearer x"]) {
      await expectRejected(garbage, "INVALID_TOKEN");
    }
  });
});
