import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../gen/warden/auth/v1/auth_service_pb.js";
import { AuditLogEntry, Session, type EntityManager } from "../src/db/index.js";
import { TEST_DIALECTS } from "./support/database.js";
import { grpcFailure } from "./support/grpc-failure.js";
import { createCaller, FAST_AUTH_ENV } from "./support/identities.js";
import { startWarden, type TestWarden } from "./support/warden.js";

describe.each(TEST_DIALECTS)("Refresh rotates the token; reuse revokes the session (%s)", (dialect) => {
  let warden: TestWarden;
  const em = () => warden.server.orm.em.fork() as EntityManager;
  const session = async (id: string) => (await em().findOne(Session, { id }, { disableIdentityMap: true })) as Session;
  const refresh = (refreshToken: string) => warden.grpc(AuthService).refresh({ refreshToken });

  beforeAll(async () => {
    warden = await startWarden(dialect, { env: { ...FAST_AUTH_ENV } });
  });
  afterAll(() => warden?.stop());

  it("rotates: each refresh returns a new refresh token and a working access token for the same session", async () => {
    const caller = await createCaller(warden, { roles: ["VIEWER"] });
    const first = await refresh(caller.refreshToken);
    expect(first.sessionId).toBe(caller.sessionId);
    expect(first.refreshToken).not.toBe(caller.refreshToken);
    expect(first.accessToken).not.toBe(caller.accessToken);
    const second = await refresh(first.refreshToken);
    const me = await warden.grpc(AuthService, { authorization: `Bearer ${second.accessToken}` }).whoAmI({});
    expect(me.sessionId).toBe(caller.sessionId);
    // Only hashes are stored.
    const row = await session(caller.sessionId);
    expect(JSON.stringify(row)).not.toContain(second.refreshToken);
    expect(row.refreshTokenHash).toMatch(/^v1:[0-9a-f]{64}$/);
  });

  it("on reuse of a replaced refresh token: revokes the whole session, audits it, and refuses every token of it", async () => {
    const caller = await createCaller(warden, { roles: ["VIEWER"] });
    const rotated = await refresh(caller.refreshToken);

    const reuse = await grpcFailure(refresh(caller.refreshToken));
    expect([reuse.code, reuse.reason]).toEqual([status.UNAUTHENTICATED, "REFRESH_TOKEN_REUSED"]);

    const row = await session(caller.sessionId);
    expect(row.revokedAt).toBeInstanceOf(Date);
    expect(row.revokedReason).toBe("refresh_token_reuse");
    const audit = await em().findOne(AuditLogEntry, { action: "auth.refresh.reuse_detected", resourceId: caller.sessionId });
    expect(audit?.details).toMatchObject({ userId: caller.userId, sessionRevoked: true });
    expect(audit?.ip).toBe("127.0.0.1");

    // The legitimate holder's newer tokens die with the session.
    expect((await grpcFailure(refresh(rotated.refreshToken))).reason).toBe("INVALID_REFRESH_TOKEN");
    for (const accessToken of [caller.accessToken, rotated.accessToken]) {
      const refused = await grpcFailure(warden.grpc(AuthService, { authorization: `Bearer ${accessToken}` }).whoAmI({}));
      expect([refused.code, refused.reason]).toEqual([status.UNAUTHENTICATED, "SESSION_REVOKED"]);
    }
  });

  it("lets exactly one of two parallel refreshes with the same token win; the loser revokes the session", async () => {
    const caller = await createCaller(warden, { roles: ["VIEWER"] });
    const results = await Promise.allSettled([refresh(caller.refreshToken), refresh(caller.refreshToken)]);
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    expect((await session(caller.sessionId)).revokedReason).toBe("refresh_token_reuse");
  });

  it("refuses tokens that are malformed or unknown, without revealing anything", async () => {
    const caller = await createCaller(warden, { roles: ["VIEWER"] });
    const forgedSecret = `${caller.sessionId}.${"A".repeat(43)}`;
    for (const token of ["", "garbage", forgedSecret, `${"0".repeat(8)}-0000-4000-8000-${"0".repeat(12)}.${"A".repeat(43)}`]) {
      const failure = await grpcFailure(refresh(token));
      expect([failure.code, failure.reason]).toEqual([status.UNAUTHENTICATED, "INVALID_REFRESH_TOKEN"]);
    }
    // A wrong guess is not a reuse: the session lives on.
    expect((await session(caller.sessionId)).revokedAt ?? null).toBeNull();
  });

  it("ends a session at its absolute lifetime, however often it was refreshed", async () => {
    const caller = await createCaller(warden, { roles: ["VIEWER"] });
    const row = await session(caller.sessionId);
    const lifetimeMs = row.expiresAt.getTime() - row.createdAt.getTime();
    expect(lifetimeMs).toBe(warden.config.tokens.sessionMaxLifetimeSeconds * 1000);
    const rotated = await refresh(caller.refreshToken);
    expect((await session(caller.sessionId)).refreshExpiresAt.getTime()).toBeLessThanOrEqual(row.expiresAt.getTime());

    // Near the end, a refresh gives an access token that ends with the session, not after it.
    const end = new Date(Math.floor(Date.now() / 1000) * 1000 + 30_000);
    await em().nativeUpdate(Session, { id: caller.sessionId }, { expiresAt: end });
    const last = await refresh(rotated.refreshToken);
    expect(Number(last.accessTokenExpiresAt?.seconds)).toBe(end.getTime() / 1000);

    await em().nativeUpdate(Session, { id: caller.sessionId }, { expiresAt: new Date(Date.now() - 1000) });
    const expired = await grpcFailure(refresh(last.refreshToken));
    expect([expired.code, expired.reason]).toEqual([status.UNAUTHENTICATED, "SESSION_EXPIRED"]);
  });

  it("Logout revokes the current session only", async () => {
    const caller = await createCaller(warden, { roles: ["VIEWER"] });
    const other = await warden.grpc(AuthService).login({ login: caller.username, password: caller.password });
    await caller.auth.logout({});
    expect((await session(caller.sessionId)).revokedReason).toBe("logout");
    expect((await grpcFailure(caller.auth.whoAmI({}))).reason).toBe("SESSION_REVOKED");
    expect((await grpcFailure(refresh(caller.refreshToken))).reason).toBe("INVALID_REFRESH_TOKEN");
    const stillIn = await warden.grpc(AuthService, { authorization: `Bearer ${other.accessToken}` }).whoAmI({});
    expect(stillIn.sessionId).toBe(other.sessionId);
  });
});
