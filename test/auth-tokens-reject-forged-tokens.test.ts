import { randomBytes } from "node:crypto";
import { status } from "@grpc/grpc-js";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../gen/warden/auth/v1/auth_service_pb.js";
import { deriveTokenSigningKeys, type TokenSigningKeys } from "../src/auth/domain/index.js";
import { generateKeySpec, parseKeySpec } from "../src/crypto/index.js";
import { TEST_DIALECTS } from "./support/database.js";
import { grpcFailure } from "./support/grpc-failure.js";
import { createCaller, FAST_AUTH_ENV, type Caller } from "./support/identities.js";
import { startWarden, type TestWarden } from "./support/warden.js";

const MASTER_KEY = generateKeySpec(1);
const ISSUER = "warden-test-issuer";
const AUDIENCE = "warden-test-audience";

function segment(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

function parts(token: string): [Record<string, unknown>, Record<string, unknown>, string] {
  const [header = "", payload = "", signature = ""] = token.split(".");
  const decode = (text: string) => JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as Record<string, unknown>;
  return [decode(header), decode(payload), signature];
}

describe.each(TEST_DIALECTS)("Access tokens: forged tokens are refused on real calls (%s)", (dialect) => {
  let warden: TestWarden;
  let caller: Caller;
  let serverKeys: TokenSigningKeys;
  let foreignKeys: TokenSigningKeys;

  /** A token signed with `keys` (the server's unless said otherwise), with the caller's claims unless overridden. */
  const sign = async (overrides: Record<string, unknown> = {}, keys: TokenSigningKeys = serverKeys, kid = keys.signing.kid) => {
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: ISSUER,
      aud: AUDIENCE,
      sub: caller.userId,
      sid: caller.sessionId,
      name: caller.username,
      jti: randomBytes(8).toString("hex"),
      iat: now,
      exp: now + 300,
      ...overrides,
    };
    return new SignJWT(claims).setProtectedHeader({ alg: "EdDSA", typ: "JWT", kid }).sign(keys.signing.privateKey);
  };
  const whoAmIWith = (token: string) => warden.grpc(AuthService, { authorization: `Bearer ${token}` }).whoAmI({});

  beforeAll(async () => {
    warden = await startWarden(dialect, {
      env: { ...FAST_AUTH_ENV, DATABASE_ENCRYPTION_KEY: MASTER_KEY, TOKEN_ISSUER: ISSUER, TOKEN_AUDIENCE: AUDIENCE },
    });
    caller = await createCaller(warden, { roles: ["VIEWER"] });
    serverKeys = await deriveTokenSigningKeys({ keys: [parseKeySpec(MASTER_KEY)], currentVersion: 1 });
    foreignKeys = await deriveTokenSigningKeys({ keys: [parseKeySpec(generateKeySpec(1))], currentVersion: 1 });
  });
  afterAll(() => warden?.stop());

  it("accepts the issued token, and a token the test signs with the server's key (the forgeries below differ in one thing)", async () => {
    expect((await caller.auth.whoAmI({})).user?.id).toBe(caller.userId);
    expect((await whoAmIWith(await sign())).sessionId).toBe(caller.sessionId);
  });

  const cases: Array<[string, () => Promise<string>, string]> = [
    [
      "a tampered payload (another user's id under the original signature)",
      async () => {
        const [header, payload, signature] = parts(caller.accessToken);
        return `${segment(header)}.${segment({ ...payload, sub: "00000000-0000-4000-8000-000000000000" })}.${signature}`;
      },
      "INVALID_TOKEN",
    ],
    ["an expired token", () => sign({ iat: Math.floor(Date.now() / 1000) - 3600, exp: Math.floor(Date.now() / 1000) - 60 }), "TOKEN_EXPIRED"],
    [
      'alg "none" without a signature',
      async () => {
        const [, payload] = parts(await sign());
        return `${segment({ alg: "none", typ: "JWT" })}.${segment(payload)}.`;
      },
      "INVALID_TOKEN",
    ],
    [
      "HS256 keyed with the public key (algorithm confusion)",
      async () => {
        const jwk = serverKeys.jwks().keys[0];
        const secret = new TextEncoder().encode(JSON.stringify(jwk));
        const [, payload] = parts(await sign());
        return new SignJWT(payload).setProtectedHeader({ alg: "HS256", typ: "JWT", kid: serverKeys.signing.kid }).sign(secret);
      },
      "INVALID_TOKEN",
    ],
    ["the wrong audience", () => sign({ aud: "some-other-service" }), "INVALID_TOKEN"],
    ["the wrong issuer", () => sign({ iss: "https://evil.example" }), "INVALID_TOKEN"],
    ["a key Warden does not hold (under its own kid)", () => sign({}, foreignKeys), "INVALID_TOKEN"],
    ["a key Warden does not hold (claiming the server's kid)", () => sign({}, foreignKeys, serverKeys.signing.kid), "INVALID_TOKEN"],
    ["no session id", () => sign({ sid: undefined }), "INVALID_TOKEN"],
    ["garbage", async () => "not.a.jwt", "INVALID_TOKEN"],
  ];

  it.each(cases)("refuses %s: UNAUTHENTICATED", async (_name, forge, reason) => {
    const failure = await grpcFailure(whoAmIWith(await forge()));
    expect(failure.code).toBe(status.UNAUTHENTICATED);
    expect(failure.reason).toBe(reason);
  });

  it("refuses other schemes, both credentials at once, and never echoes what was sent", async () => {
    const basic = await grpcFailure(warden.grpc(AuthService, { authorization: "Basic dXNlcjpwYXNz" }).whoAmI({}));
    expect([basic.code, basic.reason]).toEqual([status.UNAUTHENTICATED, "INVALID_TOKEN"]);
    const both = await grpcFailure(
      warden.grpc(AuthService, { authorization: `Bearer ${caller.accessToken}`, "x-api-key": "wdn_abcdefgh_x" }).whoAmI({}),
    );
    expect([both.code, both.reason]).toEqual([status.UNAUTHENTICATED, "AMBIGUOUS_CREDENTIALS"]);
    const tampered = `${caller.accessToken}x`;
    const failure = await grpcFailure(whoAmIWith(tampered));
    expect(failure.message).not.toContain(tampered.slice(0, 20));
    expect(JSON.stringify(failure.details)).not.toContain(tampered.slice(0, 20));
  });

  it("answers anonymous calls to protected methods UNAUTHENTICATED, and public ones without credentials", async () => {
    const anonymous = await grpcFailure(warden.grpc(AuthService).whoAmI({}));
    expect([anonymous.code, anonymous.reason]).toEqual([status.UNAUTHENTICATED, "UNAUTHENTICATED"]);
    const jwks = JSON.parse((await warden.grpc(AuthService).getJwks({})).jwksJson) as { keys: Array<{ kid: string; alg: string }> };
    expect(jwks.keys.map((key) => [key.kid, key.alg])).toEqual([[serverKeys.signing.kid, "EdDSA"]]);
    const http = await fetch(`${warden.httpUrl}/.well-known/jwks.json`);
    expect(await http.json()).toEqual(jwks);
  });
});
