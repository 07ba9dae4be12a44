import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../gen/warden/auth/v1/auth_service_pb.js";
import { AuditLogEntry, type EntityManager } from "../src/db/index.js";
import { TEST_DIALECTS } from "./support/database.js";
import { grpcFailure } from "./support/grpc-failure.js";
import { createCaller, FAST_AUTH_ENV, loginAs, type Caller } from "./support/identities.js";
import { startWarden, type TestWarden } from "./support/warden.js";

describe.each(TEST_DIALECTS)("Sessions: users manage their own, users:admin anyone's (%s)", (dialect) => {
  let warden: TestWarden;
  let admin: Caller;
  let manager: Caller;
  const em = () => warden.server.orm.em.fork() as EntityManager;

  beforeAll(async () => {
    warden = await startWarden(dialect, { env: { ...FAST_AUTH_ENV } });
    admin = await createCaller(warden, { roles: ["ADMIN"] });
    manager = await createCaller(warden, { roles: ["MANAGER"] });
  });
  afterAll(() => warden?.stop());

  it("lists the caller's live sessions, newest first, marking the current one, with where they came from", async () => {
    const user = await createCaller(warden, { roles: ["VIEWER"] });
    const laptop = await loginAs(warden, user.username, user.password, { deviceName: "laptop" });
    const { sessions } = await warden.grpc(AuthService, laptop.metadata).listSessions({});
    expect(sessions.map((session) => session.id)).toEqual([laptop.sessionId, user.sessionId]);
    expect(sessions.map((session) => session.current)).toEqual([true, false]);
    expect(sessions[0]?.deviceName).toBe("laptop");
    expect(sessions[0]?.ip).toBe("127.0.0.1");
    expect(sessions[0]?.userAgent).toContain("grpc-node-js");
    expect(sessions[0]?.expireTime).toBeDefined();
  });

  it("revokes one of the caller's sessions; someone else's is NOT_FOUND (and stays alive)", async () => {
    const user = await createCaller(warden, { roles: ["VIEWER"] });
    const other = await createCaller(warden, { roles: ["VIEWER"] });
    const second = await loginAs(warden, user.username, user.password);
    const notMine = await grpcFailure(user.auth.revokeSession({ sessionId: other.sessionId }));
    expect([notMine.code, notMine.reason]).toEqual([status.NOT_FOUND, "SESSION_NOT_FOUND"]);
    expect((await other.auth.whoAmI({})).sessionId).toBe(other.sessionId);

    await user.auth.revokeSession({ sessionId: second.sessionId });
    expect((await grpcFailure(warden.grpc(AuthService, second.metadata).whoAmI({}))).reason).toBe("SESSION_REVOKED");
    const { sessions } = await user.auth.listSessions({ includeInactive: true });
    expect(sessions.find((session) => session.id === second.sessionId)?.revokeTime).toBeDefined();
    expect((await user.auth.listSessions({})).sessions.map((session) => session.id)).toEqual([user.sessionId]);
    // Revoking it again is a no-op, not an error.
    await user.auth.revokeSession({ sessionId: second.sessionId });
    const malformed = await grpcFailure(user.auth.revokeSession({ sessionId: "not-an-id" }));
    expect(malformed.code).toBe(status.INVALID_ARGUMENT);
  });

  it("RevokeOtherSessions keeps the current session and reports how many ended", async () => {
    const user = await createCaller(warden, { roles: ["VIEWER"] });
    const others = [await loginAs(warden, user.username, user.password), await loginAs(warden, user.username, user.password)];
    expect((await user.auth.revokeOtherSessions({})).revokedCount).toBe(2);
    for (const other of others) {
      expect((await grpcFailure(warden.grpc(AuthService, other.metadata).whoAmI({}))).reason).toBe("SESSION_REVOKED");
    }
    expect((await user.auth.whoAmI({})).sessionId).toBe(user.sessionId);
    const audit = await em().findOne(AuditLogEntry, { action: "auth.session.revoked", resourceId: user.userId });
    expect(audit?.details).toMatchObject({ reason: "revoked_by_user" });
    expect((audit?.details?.["sessionIds"] as string[]).sort()).toEqual(others.map((other) => other.sessionId).sort());
  });

  it("users:admin lists and revokes anyone's sessions (one, or all)", async () => {
    const user = await createCaller(warden, { roles: ["OPERATOR"] });
    const second = await loginAs(warden, user.username, user.password);
    const listed = await admin.auth.listUserSessions({ userId: user.userId });
    expect(listed.sessions.map((session) => session.id).sort()).toEqual([user.sessionId, second.sessionId].sort());
    expect(listed.sessions.every((session) => !session.current)).toBe(true);

    expect((await admin.auth.revokeUserSessions({ userId: user.userId, sessionId: second.sessionId })).revokedCount).toBe(1);
    expect((await user.auth.whoAmI({})).sessionId).toBe(user.sessionId);
    expect((await admin.auth.revokeUserSessions({ userId: user.userId })).revokedCount).toBe(1);
    expect((await grpcFailure(user.auth.whoAmI({}))).reason).toBe("SESSION_REVOKED");
    const audit = await em().findOne(AuditLogEntry, { action: "auth.session.revoked", resourceId: user.userId, actorUser: admin.userId });
    expect(audit?.details).toMatchObject({ reason: "revoked_by_admin" });
  });

  it("answers NOT_FOUND for an unknown user or a session of someone else, INVALID_ARGUMENT for a malformed id", async () => {
    const user = await createCaller(warden, { roles: ["VIEWER"] });
    const unknown = "00000000-0000-4000-8000-000000000000";
    expect((await grpcFailure(admin.auth.listUserSessions({ userId: unknown }))).reason).toBe("USER_NOT_FOUND");
    const mismatch = await grpcFailure(admin.auth.revokeUserSessions({ userId: user.userId, sessionId: admin.sessionId }));
    expect([mismatch.code, mismatch.reason]).toEqual([status.NOT_FOUND, "SESSION_NOT_FOUND"]);
    expect((await grpcFailure(admin.auth.listUserSessions({ userId: "x" }))).code).toBe(status.INVALID_ARGUMENT);
  });

  it("refuses others' sessions to callers without users:admin (PERMISSION_DENIED before anything is revealed)", async () => {
    const user = await createCaller(warden, { roles: ["VIEWER"] });
    for (const caller of [user, manager]) {
      const list = await grpcFailure(caller.auth.listUserSessions({ userId: admin.userId }));
      expect([list.code, list.reason]).toEqual([status.PERMISSION_DENIED, "PERMISSION_DENIED"]);
      const revoke = await grpcFailure(caller.auth.revokeUserSessions({ userId: "00000000-0000-4000-8000-000000000000" }));
      expect(revoke.code).toBe(status.PERMISSION_DENIED);
    }
  });
});
