import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PERMISSIONS, SYSTEM_ROLE_PERMISSIONS } from "../src/db/index.js";
import { TEST_DIALECTS } from "./support/database.js";
import { grpcFailure } from "./support/grpc-failure.js";
import { createCaller, startWardenWithAdmin, type Caller } from "./support/identities.js";
import type { TestWarden } from "./support/warden.js";

describe.each(TEST_DIALECTS)("system roles on %s", (dialect) => {
  let warden: TestWarden;
  let admin: Caller;
  let manager: Caller;
  beforeAll(async () => {
    ({ warden, admin } = await startWardenWithAdmin(dialect));
    manager = await createCaller(warden, { roles: ["MANAGER"] });
  });
  afterAll(() => warden?.stop());

  it("are listed highest first with the permissions of DESIGN.md section 2", async () => {
    const { roles } = await manager.auth.listRoles({});
    expect(roles.slice(0, 4).map((role) => role.name)).toEqual(["ADMIN", "MANAGER", "OPERATOR", "VIEWER"]);
    for (const role of roles.slice(0, 4)) {
      expect(role.system).toBe(true);
      expect(role.permissions).toEqual([...SYSTEM_ROLE_PERMISSIONS[role.name as keyof typeof SYSTEM_ROLE_PERMISSIONS]].sort());
    }
    const { role } = await manager.auth.getRole({ name: "OPERATOR" });
    expect(role).toMatchObject({ name: "OPERATOR", system: true, permissions: ["flags:read", "flags:write", "settings:read", "settings:write"] });
  });

  it("ListPermissions returns the thirteen base permissions with descriptions", async () => {
    const { permissions } = await manager.auth.listPermissions({});
    expect(permissions.map((permission) => permission.name)).toEqual(PERMISSIONS.map((permission) => permission.name).sort());
    expect(permissions.every((permission) => permission.description.length > 0)).toBe(true);
  });

  it("cannot be changed or deleted, even by an ADMIN", async () => {
    for (const name of ["ADMIN", "MANAGER", "OPERATOR", "VIEWER"]) {
      const { role } = await admin.auth.getRole({ name });
      const update = await grpcFailure(
        admin.auth.updateRole({ name, version: role?.version ?? 0n, description: "mine now", updatePermissions: true, permissions: ["flags:read"] }),
      );
      expect(update).toMatchObject({ code: Code.FailedPrecondition, reason: "SYSTEM_ROLE_PROTECTED" });
      expect(await grpcFailure(admin.auth.deleteRole({ name }))).toMatchObject({ code: Code.FailedPrecondition, reason: "SYSTEM_ROLE_PROTECTED" });
    }
    const { role } = await admin.auth.getRole({ name: "VIEWER" });
    expect(role?.permissions).toEqual(["audit:read", "flags:read", "settings:read"]);
  });

  it("cannot be shadowed by a custom role of the same name", async () => {
    expect(await grpcFailure(admin.auth.createRole({ name: "ADMIN", permissions: [] }))).toMatchObject({
      code: Code.AlreadyExists,
      reason: "ROLE_ALREADY_EXISTS",
    });
  });

  it("reading roles needs roles:read and changing them roles:admin", async () => {
    const operator = await createCaller(warden, { roles: ["OPERATOR"] });
    expect(await grpcFailure(operator.auth.listRoles({}))).toMatchObject({ code: Code.PermissionDenied });
    expect(await grpcFailure(operator.auth.listPermissions({}))).toMatchObject({ code: Code.PermissionDenied });
    expect(await grpcFailure(manager.auth.createRole({ name: "NEW_ROLE", permissions: ["flags:read"] }))).toMatchObject({
      code: Code.PermissionDenied,
      reason: "PERMISSION_DENIED",
    });
    expect(await grpcFailure(manager.auth.deleteRole({ name: "VIEWER" }))).toMatchObject({ code: Code.PermissionDenied });
  });
});
