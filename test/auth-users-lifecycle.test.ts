import { randomUUID } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../gen/warden/auth/v1/auth_service_pb.js";
import { ApiKey, Session, User } from "../src/db/index.js";
import { TEST_DIALECTS } from "./support/database.js";
import { grpcFailure } from "./support/grpc-failure.js";
import { createApiKey, createCaller, createUserWithRoles, loginAs, startWardenWithAdmin, type Caller } from "./support/identities.js";
import type { TestWarden } from "./support/warden.js";

describe.each(TEST_DIALECTS)("user lifecycle on %s", (dialect) => {
  let warden: TestWarden;
  let admin: Caller;
  let manager: Caller;
  beforeAll(async () => {
    ({ warden, admin } = await startWardenWithAdmin(dialect, { MAX_FAILED_LOGINS: "3" }));
    manager = await createCaller(warden, { roles: ["MANAGER"] });
  });
  afterAll(() => warden?.stop());

  const row = (id: string) => warden.server.orm.em.fork().findOneOrFail(User, { id });

  describe("GetUser", () => {
    it("answers NOT_FOUND for an unknown id and INVALID_ARGUMENT for a malformed one", async () => {
      expect(await grpcFailure(manager.auth.getUser({ userId: randomUUID() }))).toMatchObject({
        code: Code.NotFound,
        reason: "USER_NOT_FOUND",
      });
      expect(await grpcFailure(manager.auth.getUser({ userId: "1; drop table users" }))).toMatchObject({
        code: Code.InvalidArgument,
        violations: ["user_id: INVALID_ID"],
      });
      expect(await grpcFailure(manager.auth.getUser({}))).toMatchObject({ code: Code.InvalidArgument, violations: ["user_id: REQUIRED"] });
    });

    it("returns the user with roles and version, and is refused without users:read", async () => {
      const { user } = await manager.auth.getUser({ userId: admin.userId });
      expect(user).toMatchObject({ id: admin.userId, username: admin.username, roles: ["ADMIN"], active: true });
      expect(user?.version).toBeGreaterThan(0n);
      const operator = await createCaller(warden, { roles: ["OPERATOR"] });
      expect(await grpcFailure(operator.auth.getUser({ userId: admin.userId }))).toMatchObject({ code: Code.PermissionDenied });
    });
  });

  describe("UpdateUser", () => {
    it("changes username and email at the expected version and bumps it", async () => {
      const target = await createUserWithRoles(warden, { roles: ["VIEWER"] });
      const { user: before } = await manager.auth.getUser({ userId: target.userId });
      const { user } = await manager.auth.updateUser({
        userId: target.userId,
        version: before?.version ?? 0n,
        username: `${target.username}-renamed`,
        email: "Renamed@Example.TEST",
      });
      expect(user).toMatchObject({ username: `${target.username}-renamed`, email: "renamed@example.test" });
      expect(user?.version).toBe((before?.version ?? 0n) + 1n);
      await expect(loginAs(warden, `${target.username}-renamed`, target.password)).resolves.toMatchObject({ userId: target.userId });
    });

    it("answers ABORTED with the current version on a stale one, and INVALID_ARGUMENT without one", async () => {
      const target = await createUserWithRoles(warden, { roles: ["VIEWER"] });
      const { user } = await manager.auth.getUser({ userId: target.userId });
      await manager.auth.updateUser({ userId: target.userId, version: user?.version ?? 0n, email: "first@example.test" });
      const stale = await grpcFailure(manager.auth.updateUser({ userId: target.userId, version: user?.version ?? 0n, email: "second@example.test" }));
      expect(stale).toMatchObject({ code: Code.Aborted, reason: "VERSION_MISMATCH", metadata: { current_version: String((user?.version ?? 0n) + 1n) } });
      expect((await row(target.userId)).email).toBe("first@example.test");
      expect(await grpcFailure(manager.auth.updateUser({ userId: target.userId, email: "x@example.test" }))).toMatchObject({
        code: Code.InvalidArgument,
        violations: ["version: REQUIRED"],
      });
    });

    it("refuses a taken username or email and malformed values", async () => {
      const target = await createUserWithRoles(warden, { roles: ["VIEWER"] });
      const { user } = await manager.auth.getUser({ userId: target.userId });
      const version = user?.version ?? 0n;
      expect(await grpcFailure(manager.auth.updateUser({ userId: target.userId, version, username: manager.username.toUpperCase() }))).toMatchObject({
        code: Code.AlreadyExists,
        reason: "USERNAME_TAKEN",
      });
      expect(await grpcFailure(manager.auth.updateUser({ userId: target.userId, version, email: manager.email }))).toMatchObject({
        code: Code.AlreadyExists,
        reason: "EMAIL_TAKEN",
      });
      expect(await grpcFailure(manager.auth.updateUser({ userId: target.userId, version, username: "no spaces allowed", email: "@" }))).toMatchObject({
        code: Code.InvalidArgument,
        violations: ["username: INVALID_USERNAME", "email: INVALID_EMAIL"],
      });
    });

    it("does not let a MANAGER change an ADMIN", async () => {
      const { user } = await manager.auth.getUser({ userId: admin.userId });
      const failure = await grpcFailure(manager.auth.updateUser({ userId: admin.userId, version: user?.version ?? 0n, email: "pwned@example.test" }));
      expect(failure).toMatchObject({ code: Code.PermissionDenied, reason: "TARGET_HOLDS_UNHELD_PERMISSIONS" });
    });
  });

  describe("DeactivateUser", () => {
    it("is soft: the user stays readable, cannot log in, loses its sessions and API keys", async () => {
      const target = await createCaller(warden, { roles: ["OPERATOR"] });
      const key = await createApiKey(warden, target, { permissions: ["flags:read"] });
      const { user } = await manager.auth.deactivateUser({ userId: target.userId });
      expect(user).toMatchObject({ id: target.userId, active: false });

      const stored = await row(target.userId);
      expect(stored.isActive).toBe(false);
      expect(stored.deactivatedAt).toBeInstanceOf(Date);
      expect((await manager.auth.getUser({ userId: target.userId })).user?.active).toBe(false);

      expect(await grpcFailure(target.auth.whoAmI({}))).toMatchObject({ code: Code.Unauthenticated });
      expect(await grpcFailure(loginAs(warden, target.username, target.password))).toMatchObject({ code: Code.Unauthenticated });
      expect(await grpcFailure(warden.grpc(AuthService, key.metadata).whoAmI({}))).toMatchObject({ code: Code.Unauthenticated });

      const em = warden.server.orm.em.fork();
      const sessions = await em.find(Session, { user: target.userId });
      expect(sessions.length).toBeGreaterThan(0);
      expect(sessions.every((session) => session.revokedAt !== null && session.revokedReason === "user_deactivated")).toBe(true);
      expect((await em.findOneOrFail(ApiKey, { id: key.apiKeyId })).revokedAt).toBeInstanceOf(Date);
    });

    it("is idempotent, answers NOT_FOUND for unknown users and protects more privileged users", async () => {
      const target = await createUserWithRoles(warden, { roles: ["VIEWER"] });
      await manager.auth.deactivateUser({ userId: target.userId });
      const { user } = await manager.auth.deactivateUser({ userId: target.userId });
      expect(user?.active).toBe(false);
      expect(await grpcFailure(manager.auth.deactivateUser({ userId: randomUUID() }))).toMatchObject({ code: Code.NotFound });
      expect(await grpcFailure(manager.auth.deactivateUser({ userId: admin.userId }))).toMatchObject({
        code: Code.PermissionDenied,
        reason: "TARGET_HOLDS_UNHELD_PERMISSIONS",
      });
      const operator = await createCaller(warden, { roles: ["OPERATOR"] });
      expect(await grpcFailure(operator.auth.deactivateUser({ userId: target.userId }))).toMatchObject({ code: Code.PermissionDenied });
    });
  });

  describe("LockUser and UnlockUser", () => {
    it("locks: sessions end at once and logins fail; unlock lets the user in again", async () => {
      const target = await createCaller(warden, { roles: ["VIEWER"] });
      const { user } = await admin.auth.lockUser({ userId: target.userId, reason: "suspicious activity" });
      expect(user).toMatchObject({ locked: true, active: true });
      expect(await grpcFailure(target.auth.whoAmI({}))).toMatchObject({ code: Code.Unauthenticated });
      expect(await grpcFailure(loginAs(warden, target.username, target.password))).toMatchObject({ code: Code.Unauthenticated });

      const unlocked = await admin.auth.unlockUser({ userId: target.userId });
      expect(unlocked.user).toMatchObject({ locked: false });
      await expect(loginAs(warden, target.username, target.password)).resolves.toMatchObject({ userId: target.userId });
    });

    it("unlock also clears an automatic lockout and its counters", async () => {
      const target = await createUserWithRoles(warden, { roles: ["VIEWER"] });
      for (let attempt = 0; attempt < 3; attempt++) {
        await grpcFailure(loginAs(warden, target.username, "wrong password, surely"));
      }
      const lockedOut = await row(target.userId);
      expect(lockedOut.lockedUntil?.getTime()).toBeGreaterThan(Date.now());
      expect((await admin.auth.getUser({ userId: target.userId })).user?.locked).toBe(true);
      expect(await grpcFailure(loginAs(warden, target.username, target.password))).toMatchObject({ code: Code.Unauthenticated });

      await admin.auth.unlockUser({ userId: target.userId });
      const cleared = await row(target.userId);
      expect(cleared).toMatchObject({ isLocked: false, lockedUntil: null, failedLoginCount: 0, lockoutCount: 0 });
      await expect(loginAs(warden, target.username, target.password)).resolves.toMatchObject({ userId: target.userId });
    });

    it("needs users:admin", async () => {
      const target = await createUserWithRoles(warden, { roles: ["VIEWER"] });
      expect(await grpcFailure(manager.auth.lockUser({ userId: target.userId }))).toMatchObject({ code: Code.PermissionDenied });
      expect(await grpcFailure(manager.auth.unlockUser({ userId: target.userId }))).toMatchObject({ code: Code.PermissionDenied });
    });
  });
});
