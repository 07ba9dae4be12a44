import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_DIALECTS } from "./support/database.js";
import { grpcFailure } from "./support/grpc-failure.js";
import { createCaller, createUserWithRoles, startWardenWithAdmin, type Caller } from "./support/identities.js";
import type { TestWarden } from "./support/warden.js";

/**
 * A delegate administers users and roles but holds no settings permission: whatever it grants,
 * by role assignment or by role definition, must be within what it holds itself.
 */
describe.each(TEST_DIALECTS)("nobody grants a permission they do not hold, on %s", (dialect) => {
  let warden: TestWarden;
  let admin: Caller;
  let delegate: Caller;
  beforeAll(async () => {
    ({ warden, admin } = await startWardenWithAdmin(dialect));
    await admin.auth.createRole({
      name: "DELEGATE",
      description: "users and roles, nothing else",
      permissions: ["users:read", "users:write", "users:admin", "roles:read", "roles:admin", "flags:read"],
    });
    delegate = await createCaller(warden, { roles: [] });
    await admin.auth.assignRole({ userId: delegate.userId, role: "DELEGATE" });
  });
  afterAll(() => warden?.stop());

  it("refuses assigning a role with permissions the caller lacks, naming them", async () => {
    const target = await createUserWithRoles(warden, { roles: [] });
    const failure = await grpcFailure(delegate.auth.assignRole({ userId: target.userId, role: "OPERATOR" }));
    expect(failure).toMatchObject({
      code: Code.PermissionDenied,
      reason: "CANNOT_GRANT_UNHELD_PERMISSIONS",
      metadata: { permissions: "flags:write,settings:read,settings:write" },
    });
    expect(failure.message).toBe("cannot grant permissions you do not hold");
    expect(await grpcFailure(delegate.auth.assignRole({ userId: delegate.userId, role: "ADMIN" }))).toMatchObject({
      code: Code.PermissionDenied,
      reason: "CANNOT_GRANT_UNHELD_PERMISSIONS",
    });
    expect((await admin.auth.getUser({ userId: target.userId })).user?.roles).toEqual([]);
  });

  it("allows assigning a role within the caller's permissions", async () => {
    await admin.auth.createRole({ name: "FLAG_READER", permissions: ["flags:read"] });
    const target = await createUserWithRoles(warden, { roles: [] });
    const { user } = await delegate.auth.assignRole({ userId: target.userId, role: "FLAG_READER" });
    expect(user?.roles).toEqual(["FLAG_READER"]);
  });

  it("refuses revoking a role with permissions the caller lacks", async () => {
    const target = await createUserWithRoles(warden, { roles: ["VIEWER"] });
    expect(await grpcFailure(delegate.auth.revokeRole({ userId: target.userId, role: "VIEWER" }))).toMatchObject({
      code: Code.PermissionDenied,
      reason: "CANNOT_REVOKE_UNHELD_PERMISSIONS",
    });
  });

  it("refuses acting on a user who holds permissions the caller lacks", async () => {
    expect(await grpcFailure(delegate.auth.lockUser({ userId: admin.userId }))).toMatchObject({
      code: Code.PermissionDenied,
      reason: "TARGET_HOLDS_UNHELD_PERMISSIONS",
    });
  });

  it("refuses creating a role with permissions the caller lacks, and allows one within them", async () => {
    const failure = await grpcFailure(delegate.auth.createRole({ name: "SECRET_READER", permissions: ["settings:read", "settings:admin"] }));
    expect(failure).toMatchObject({
      code: Code.PermissionDenied,
      reason: "CANNOT_GRANT_UNHELD_PERMISSIONS",
      metadata: { permissions: "settings:admin,settings:read" },
    });
    expect(await grpcFailure(admin.auth.getRole({ name: "SECRET_READER" }))).toMatchObject({ code: Code.NotFound });
    const { role } = await delegate.auth.createRole({ name: "USER_READER", permissions: ["users:read"] });
    expect(role?.permissions).toEqual(["users:read"]);
  });

  it("refuses adding an unheld permission to a role, but lets the caller edit around ones already there", async () => {
    const { role } = await admin.auth.createRole({ name: "MIXED", permissions: ["settings:admin", "flags:read"] });
    const adding = await grpcFailure(
      delegate.auth.updateRole({ name: "MIXED", version: role?.version ?? 0n, updatePermissions: true, permissions: ["settings:admin", "flags:read", "settings:write"] }),
    );
    expect(adding).toMatchObject({ code: Code.PermissionDenied, reason: "CANNOT_GRANT_UNHELD_PERMISSIONS", metadata: { permissions: "settings:write" } });
    const { role: updated } = await delegate.auth.updateRole({
      name: "MIXED",
      version: role?.version ?? 0n,
      updatePermissions: true,
      permissions: ["settings:admin"],
    });
    expect(updated?.permissions).toEqual(["settings:admin"]);
  });
});
