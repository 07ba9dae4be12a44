import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../gen/warden/auth/v1/auth_service_pb.js";
import { AuditLogEntry, User, type EntityManager } from "../src/db/index.js";
import { TEST_DIALECTS } from "./support/database.js";
import { grpcFailure } from "./support/grpc-failure.js";
import { createUserWithRoles, FAST_AUTH_ENV, loginAs, type Identity } from "./support/identities.js";
import { startWarden, type TestWarden } from "./support/warden.js";

describe.each(TEST_DIALECTS)("Login answers the same for every failure (%s)", (dialect) => {
  let warden: TestWarden;
  let alice: Identity;
  let inactive: Identity;
  let adminLocked: Identity;
  let autoLocked: Identity;
  const em = () => warden.server.orm.em.fork() as EntityManager;

  beforeAll(async () => {
    warden = await startWarden(dialect, { env: { ...FAST_AUTH_ENV } });
    alice = await createUserWithRoles(warden, { roles: ["VIEWER"] });
    inactive = await createUserWithRoles(warden, { roles: ["VIEWER"] });
    adminLocked = await createUserWithRoles(warden, { roles: ["VIEWER"] });
    autoLocked = await createUserWithRoles(warden, { roles: ["VIEWER"] });
    await em().nativeUpdate(User, { id: inactive.userId }, { isActive: false, deactivatedAt: new Date() });
    await em().nativeUpdate(User, { id: adminLocked.userId }, { isLocked: true });
    await em().nativeUpdate(User, { id: autoLocked.userId }, { lockedUntil: new Date(Date.now() + 3_600_000), lockoutCount: 1 });
  });
  afterAll(() => warden?.stop());

  it("logs in by username and by email (any case), with the right password", async () => {
    const byName = await loginAs(warden, alice.username, alice.password);
    const byEmail = await loginAs(warden, alice.email.toUpperCase(), alice.password);
    expect(byName.userId).toBe(alice.userId);
    expect(byEmail.userId).toBe(alice.userId);
    expect(byName.sessionId).not.toBe(byEmail.sessionId);
  });

  it("answers UNAUTHENTICATED / INVALID_CREDENTIALS with one message for unknown user, wrong password, inactive and locked accounts", async () => {
    const attempts = [
      { login: "nobody-by-that-name", password: "Whatever-Password-123" },
      { login: alice.username, password: `${alice.password}x` },
      { login: inactive.username, password: inactive.password },
      { login: adminLocked.username, password: adminLocked.password },
      { login: autoLocked.username, password: autoLocked.password },
    ];
    const failures = [];
    for (const attempt of attempts) failures.push(await grpcFailure(warden.grpc(AuthService).login(attempt)));
    for (const failure of failures) {
      expect(failure.code).toBe(status.UNAUTHENTICATED);
      expect(failure.reason).toBe("INVALID_CREDENTIALS");
      expect(failure.details.errorInfo?.domain).toBe("warden");
      expect(failure.details.errorInfo?.metadata).toEqual({});
    }
    expect(new Set(failures.map((failure) => failure.message)).size).toBe(1);
  });

  it("audits every failure with the login name tried and why, never the password", async () => {
    const password = "Never-Stored-Anywhere-42";
    await grpcFailure(warden.grpc(AuthService).login({ login: "ghost-user", password }));
    await grpcFailure(warden.grpc(AuthService).login({ login: inactive.username, password: inactive.password }));
    const rows = await em().find(AuditLogEntry, { action: "auth.login.failed" }, { orderBy: { revision: "asc" } });
    const ghost = rows.find((row) => row.details?.["login"] === "ghost-user");
    expect(ghost?.details).toMatchObject({ reason: "unknown_user" });
    expect(ghost?.actorLabel).toBe("anonymous");
    expect(ghost?.ip).toBe("127.0.0.1");
    expect(ghost?.requestId).toBeTruthy();
    expect(rows.find((row) => row.resourceId === inactive.userId)?.details).toMatchObject({ reason: "inactive" });
    const everything = JSON.stringify(await em().find(AuditLogEntry, {}));
    for (const secret of [password, alice.password, inactive.password]) expect(everything).not.toContain(secret);
  });

  it("does not count attempts against inactive or locked accounts", async () => {
    const rows = await em().find(User, { id: { $in: [inactive.userId, adminLocked.userId, autoLocked.userId] } });
    for (const row of rows) expect(row.failedLoginCount).toBe(0);
  });

  it("refuses empty and oversized input as INVALID_ARGUMENT, not as a login attempt", async () => {
    const empty = await grpcFailure(warden.grpc(AuthService).login({ login: "", password: "" }));
    expect(empty.code).toBe(status.INVALID_ARGUMENT);
    expect(empty.details.badRequest?.fieldViolations.map((violation) => violation.field).sort()).toEqual(["login", "password"]);
    const huge = await grpcFailure(warden.grpc(AuthService).login({ login: alice.username, password: "x".repeat(5000) }));
    expect(huge.code).toBe(status.INVALID_ARGUMENT);
  });
});
