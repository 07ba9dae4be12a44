import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_DIALECTS } from "./support/database.js";
import { grpcFailure } from "./support/grpc-failure.js";
import { createCaller, startWardenWithAdmin, type Caller } from "./support/identities.js";
import type { TestWarden } from "./support/warden.js";

describe.each(TEST_DIALECTS)("custom roles on %s", (dialect) => {
  let warden: TestWarden;
  let admin: Caller;
  beforeAll(async () => {
    ({ warden, admin } = await startWardenWithAdmin(dialect));
  });
  afterAll(() => warden?.stop());

  it("refuses malformed names and unknown or repeated permissions with field violations", async () => {
    for (const name of ["", "lower", "A", "1ROLE", "ROLE-NAME", `R${"X".repeat(64)}`]) {
      const failure = await grpcFailure(admin.auth.createRole({ name, permissions: ["flags:read"] }));
      expect(failure.code, name).toBe(Code.InvalidArgument);
      expect(failure.violations[0], name).toMatch(/^name: (REQUIRED|INVALID_ROLE_NAME)$/);
    }
    const permissions = await grpcFailure(admin.auth.createRole({ name: "BAD_PERMS", permissions: ["flags:read", "flags:fly", "flags:read"] }));
    expect(permissions).toMatchObject({ code: Code.InvalidArgument, violations: ["permissions[2]: DUPLICATE"] });
    const unknown = await grpcFailure(admin.auth.createRole({ name: "BAD_PERMS", permissions: ["flags:read", "flags:fly"] }));
    expect(unknown).toMatchObject({ code: Code.InvalidArgument, violations: ["permissions[1]: UNKNOWN_PERMISSION"] });
    expect(await grpcFailure(admin.auth.getRole({ name: "BAD_PERMS" }))).toMatchObject({ code: Code.NotFound, reason: "ROLE_NOT_FOUND" });
  });

  it("creates, reads and refuses a second role of the same name", async () => {
    const { role } = await admin.auth.createRole({ name: "RELEASE_MANAGER", description: "flips flags", permissions: ["flags:write", "flags:read"] });
    expect(role).toMatchObject({ name: "RELEASE_MANAGER", description: "flips flags", system: false, permissions: ["flags:read", "flags:write"], version: 1n });
    expect((await admin.auth.getRole({ name: "RELEASE_MANAGER" })).role).toEqual(role);
    expect((await admin.auth.listRoles({})).roles.map((listed) => listed.name)).toContain("RELEASE_MANAGER");
    expect(await grpcFailure(admin.auth.createRole({ name: "RELEASE_MANAGER", permissions: [] }))).toMatchObject({
      code: Code.AlreadyExists,
      reason: "ROLE_ALREADY_EXISTS",
    });
  });

  it("updates at the expected version, and holders' permissions follow at once", async () => {
    const { role } = await admin.auth.createRole({ name: "FLAG_TEAM", permissions: ["flags:read"] });
    const holder = await createCaller(warden, { roles: [] });
    await admin.auth.assignRole({ userId: holder.userId, role: "FLAG_TEAM" });
    expect((await holder.auth.whoAmI({})).permissions).toEqual(["flags:read"]);

    const { role: updated } = await admin.auth.updateRole({
      name: "FLAG_TEAM",
      version: role?.version ?? 0n,
      description: "the flag team",
      updatePermissions: true,
      permissions: ["flags:read", "flags:write", "roles:read"],
    });
    expect(updated).toMatchObject({ description: "the flag team", permissions: ["flags:read", "flags:write", "roles:read"], version: 2n });
    expect((await admin.auth.getRole({ name: "FLAG_TEAM" })).role).toEqual(updated);
    expect([...(await holder.auth.whoAmI({})).permissions].sort()).toEqual(["flags:read", "flags:write", "roles:read"]);
    await expect(holder.auth.listRoles({})).resolves.toBeDefined();

    const stale = await grpcFailure(admin.auth.updateRole({ name: "FLAG_TEAM", version: role?.version ?? 0n, description: "lost update" }));
    expect(stale).toMatchObject({ code: Code.Aborted, reason: "VERSION_MISMATCH", metadata: { current_version: "2" } });

    // Only the description: the permissions stay as they are.
    const { role: described } = await admin.auth.updateRole({ name: "FLAG_TEAM", version: 2n, description: "renamed team" });
    expect(described).toMatchObject({ description: "renamed team", permissions: ["flags:read", "flags:write", "roles:read"], version: 3n });

    const { role: emptied } = await admin.auth.updateRole({ name: "FLAG_TEAM", version: 3n, updatePermissions: true, permissions: [] });
    expect((await admin.auth.getRole({ name: "FLAG_TEAM" })).role).toEqual(emptied);
    expect((await holder.auth.whoAmI({})).permissions).toEqual([]);
    expect(await grpcFailure(holder.auth.listRoles({}))).toMatchObject({ code: Code.PermissionDenied });

    expect(await grpcFailure(admin.auth.updateRole({ name: "NO_SUCH_ROLE", version: 1n }))).toMatchObject({ code: Code.NotFound });
    expect(await grpcFailure(admin.auth.updateRole({ name: "FLAG_TEAM", version: 0n }))).toMatchObject({
      code: Code.InvalidArgument,
      violations: ["version: REQUIRED"],
    });
  });

  it("cannot delete a role still assigned; can once nobody holds it", async () => {
    await admin.auth.createRole({ name: "TEMPORARY", permissions: ["flags:read"] });
    const holder = await createCaller(warden, { roles: [] });
    await admin.auth.assignRole({ userId: holder.userId, role: "TEMPORARY" });

    const inUse = await grpcFailure(admin.auth.deleteRole({ name: "TEMPORARY" }));
    expect(inUse).toMatchObject({ code: Code.FailedPrecondition, reason: "ROLE_IN_USE", metadata: { role: "TEMPORARY", users: "1" } });
    expect((await holder.auth.whoAmI({})).permissions).toEqual(["flags:read"]);

    await admin.auth.revokeRole({ userId: holder.userId, role: "TEMPORARY" });
    await admin.auth.deleteRole({ name: "TEMPORARY" });
    expect(await grpcFailure(admin.auth.getRole({ name: "TEMPORARY" }))).toMatchObject({ code: Code.NotFound, reason: "ROLE_NOT_FOUND" });
    expect(await grpcFailure(admin.auth.deleteRole({ name: "TEMPORARY" }))).toMatchObject({ code: Code.NotFound });
    // The name is free again.
    await expect(admin.auth.createRole({ name: "TEMPORARY", permissions: [] })).resolves.toBeDefined();
  });
});
