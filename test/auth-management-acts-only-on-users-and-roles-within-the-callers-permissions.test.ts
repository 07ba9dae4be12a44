import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_DIALECTS } from "./support/database.js";
import { grpcFailure } from "./support/grpc-failure.js";
import { createCaller, startWardenWithAdmin, type Caller } from "./support/identities.js";
import type { TestWarden } from "./support/warden.js";

/**
 * A custom role holding `users:admin` and `roles:admin` is not ADMIN: it may reset the second
 * factor and end the sessions of users within its own permissions, never of an ADMIN, and it may
 * not take out of a role a permission it does not hold itself.
 */
describe.each(TEST_DIALECTS)("management stays within the caller's permissions, on %s", (dialect) => {
  let warden: TestWarden;
  let admin: Caller;
  let delegate: Caller;
  let viewer: Caller;
  beforeAll(async () => {
    ({ warden, admin } = await startWardenWithAdmin(dialect));
    await admin.auth.createRole({
      name: "USER_ADMINS",
      description: "users and roles, nothing else",
      permissions: ["users:read", "users:write", "users:admin", "roles:read", "roles:admin", "settings:read", "flags:read", "audit:read"],
    });
    delegate = await createCaller(warden, { roles: [] });
    await admin.auth.assignRole({ userId: delegate.userId, role: "USER_ADMINS" });
    viewer = await createCaller(warden, { roles: ["VIEWER"] });
  });
  afterAll(() => warden?.stop());

  const refusedOnAdmin = async (call: Promise<unknown>) =>
    expect(await grpcFailure(call)).toMatchObject({ code: Code.PermissionDenied, reason: "TARGET_HOLDS_UNHELD_PERMISSIONS" });

  it("refuses resetting an ADMIN's TOTP, listing or revoking an ADMIN's sessions", async () => {
    await refusedOnAdmin(delegate.auth.resetUserTotp({ userId: admin.userId }));
    await refusedOnAdmin(delegate.auth.listUserSessions({ userId: admin.userId }));
    await refusedOnAdmin(delegate.auth.revokeUserSessions({ userId: admin.userId }));
    await refusedOnAdmin(delegate.auth.revokeUserSessions({ userId: admin.userId, sessionId: admin.sessionId }));
    // The ADMIN's session lives on.
    expect((await admin.auth.whoAmI({})).sessionId).toBe(admin.sessionId);
  });

  it("does all of it for a user whose permissions it holds", async () => {
    await delegate.auth.resetUserTotp({ userId: viewer.userId });
    expect((await delegate.auth.listUserSessions({ userId: viewer.userId })).sessions.map((session) => session.id)).toContain(viewer.sessionId);
    expect((await delegate.auth.revokeUserSessions({ userId: viewer.userId })).revokedCount).toBe(1);
  });

  it("refuses removing from a role a permission it does not hold, and removes one it holds", async () => {
    const created = await admin.auth.createRole({ name: "RELEASERS", description: "", permissions: ["flags:read", "flags:write"] });
    const version = created.role?.version ?? 0n;
    const failure = await grpcFailure(
      delegate.auth.updateRole({ name: "RELEASERS", version, updatePermissions: true, permissions: ["flags:read"] }),
    );
    expect(failure).toMatchObject({ code: Code.PermissionDenied, reason: "CANNOT_REVOKE_UNHELD_PERMISSIONS", metadata: { permissions: "flags:write" } });
    expect((await admin.auth.getRole({ name: "RELEASERS" })).role?.permissions).toEqual(["flags:read", "flags:write"]);
    const updated = await delegate.auth.updateRole({ name: "RELEASERS", version, updatePermissions: true, permissions: ["flags:write"] });
    expect(updated.role?.permissions).toEqual(["flags:write"]);
  });
});
