import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../gen/warden/auth/v1/auth_service_pb.js";
import { AuditLogEntry, User, type EntityManager } from "../src/db/index.js";
import { TEST_DIALECTS } from "./support/database.js";
import { grpcFailure } from "./support/grpc-failure.js";
import { createCaller, FAST_AUTH_ENV, loginAs, strongPassword } from "./support/identities.js";
import { startWarden, type TestWarden } from "./support/warden.js";

describe.each(TEST_DIALECTS)("ChangePassword revokes the caller's other sessions (%s)", (dialect) => {
  let warden: TestWarden;
  const em = () => warden.server.orm.em.fork() as EntityManager;

  beforeAll(async () => {
    warden = await startWarden(dialect, { env: { ...FAST_AUTH_ENV } });
  });
  afterAll(() => warden?.stop());

  it("changes the password, keeps the current session, ends the others, and audits without the passwords", async () => {
    const user = await createCaller(warden, { roles: ["OPERATOR"] });
    const phone = await loginAs(warden, user.username, user.password);
    const tablet = await loginAs(warden, user.username, user.password);
    const version = ((await em().findOne(User, { id: user.userId })) as User).version;
    const newPassword = strongPassword();

    const { revokedSessions } = await user.auth.changePassword({ currentPassword: user.password, newPassword });
    expect(revokedSessions).toBe(2);
    for (const other of [phone, tablet]) {
      expect((await grpcFailure(warden.grpc(AuthService, other.metadata).whoAmI({}))).reason).toBe("SESSION_REVOKED");
      expect((await grpcFailure(warden.grpc(AuthService).refresh({ refreshToken: other.refreshToken }))).reason).toBe(
        "INVALID_REFRESH_TOKEN",
      );
    }
    expect((await user.auth.whoAmI({})).sessionId).toBe(user.sessionId);
    expect((await grpcFailure(loginAs(warden, user.username, user.password))).reason).toBe("INVALID_CREDENTIALS");
    await loginAs(warden, user.username, newPassword);

    const row = (await em().findOne(User, { id: user.userId }, { disableIdentityMap: true })) as User;
    expect(row.version).toBe(version);
    expect(row.passwordChangedAt.getTime()).toBeGreaterThan(row.createdAt.getTime());
    const audit = await em().findOne(AuditLogEntry, { action: "auth.password.changed", resourceId: user.userId });
    expect(audit?.details).toEqual({ revokedSessions: 2 });
    expect(audit?.actorUser?.id).toBe(user.userId);
    const trail = JSON.stringify(await em().find(AuditLogEntry, {}));
    expect(trail).not.toContain(newPassword);
    expect(trail).not.toContain(user.password);
  });

  it("refuses a wrong current password as INCORRECT_PASSWORD, changing nothing", async () => {
    const user = await createCaller(warden, { roles: ["VIEWER"] });
    const other = await loginAs(warden, user.username, user.password);
    const failure = await grpcFailure(user.auth.changePassword({ currentPassword: "not-it-at-all", newPassword: strongPassword() }));
    expect([failure.code, failure.reason]).toEqual([status.INVALID_ARGUMENT, "INCORRECT_PASSWORD"]);
    expect(failure.details.badRequest?.fieldViolations[0]?.field).toBe("current_password");
    expect((await warden.grpc(AuthService, other.metadata).whoAmI({})).sessionId).toBe(other.sessionId);
    await loginAs(warden, user.username, user.password);
  });

  it("applies the password policy to the new password, saying why in BadRequest field violations", async () => {
    const user = await createCaller(warden, { roles: ["VIEWER"] });
    const cases: Array<[string, string]> = [
      ["short", "TOO_SHORT"],
      ["password1234", "COMMON_PASSWORD"],
      ["aaaaaaaaaaaaaaaa", "TOO_WEAK"],
      [`${user.username}-Zq8!vR3#kL`, "CONTAINS_USERNAME"],
      [user.password, "UNCHANGED"],
    ];
    for (const [newPassword, reason] of cases) {
      const failure = await grpcFailure(user.auth.changePassword({ currentPassword: user.password, newPassword }));
      expect(failure.code).toBe(status.INVALID_ARGUMENT);
      const violations = failure.details.badRequest?.fieldViolations ?? [];
      expect(violations.every((violation) => violation.field === "new_password")).toBe(true);
      expect(violations.map((violation) => violation.reason)).toContain(reason);
    }
    await loginAs(warden, user.username, user.password);
  });

  it("is for user sessions only: an API key cannot change its owner's password", async () => {
    const user = await createCaller(warden, { roles: ["VIEWER"] });
    const { key } = await user.auth.createApiKey({ name: "ci", permissions: ["settings:read"] });
    const failure = await grpcFailure(
      warden.grpc(AuthService, { "x-api-key": key }).changePassword({ currentPassword: user.password, newPassword: strongPassword() }),
    );
    expect([failure.code, failure.reason]).toEqual([status.PERMISSION_DENIED, "USER_SESSION_REQUIRED"]);
  });
});
