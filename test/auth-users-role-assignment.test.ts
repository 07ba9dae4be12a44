import { randomUUID } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserRole } from "../src/db/index.js";
import { TEST_DIALECTS } from "./support/database.js";
import { grpcFailure } from "./support/grpc-failure.js";
import { createCaller, createUserWithRoles, startWardenWithAdmin, type Caller } from "./support/identities.js";
import type { TestWarden } from "./support/warden.js";

describe.each(TEST_DIALECTS)("AssignRole and RevokeRole on %s", (dialect) => {
  let warden: TestWarden;
  let admin: Caller;
  beforeAll(async () => {
    ({ warden, admin } = await startWardenWithAdmin(dialect));
  });
  afterAll(() => warden?.stop());

  it("records who assigned the role and when, and bumps the user's version", async () => {
    const target = await createUserWithRoles(warden, { roles: ["VIEWER"] });
    const before = (await admin.auth.getUser({ userId: target.userId })).user;
    const startedAt = Date.now();
    const { user } = await admin.auth.assignRole({ userId: target.userId, role: "OPERATOR" });
    expect(user?.roles).toEqual(["OPERATOR", "VIEWER"]);
    expect(user?.version).toBe((before?.version ?? 0n) + 1n);

    const assignment = await warden.server.orm.em
      .fork()
      .findOneOrFail(UserRole, { user: target.userId, role: { name: "OPERATOR" } });
    expect(assignment.assignedBy?.id).toBe(admin.userId);
    expect(assignment.assignedAt.getTime()).toBeGreaterThanOrEqual(startedAt - 1000);
    expect(assignment.assignedAt.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it("changes what the user's live session may do at once, both ways", async () => {
    const target = await createCaller(warden, { roles: ["VIEWER"] });
    expect(await grpcFailure(target.auth.listUsers({}))).toMatchObject({ code: Code.PermissionDenied });
    await admin.auth.assignRole({ userId: target.userId, role: "MANAGER" });
    await expect(target.auth.listUsers({})).resolves.toBeDefined();
    expect((await target.auth.whoAmI({})).permissions).toContain("users:write");
    await admin.auth.revokeRole({ userId: target.userId, role: "MANAGER" });
    expect(await grpcFailure(target.auth.listUsers({}))).toMatchObject({ code: Code.PermissionDenied });
  });

  it("is idempotent both ways", async () => {
    const target = await createUserWithRoles(warden, { roles: ["VIEWER"] });
    const first = await admin.auth.assignRole({ userId: target.userId, role: "VIEWER" });
    expect(first.user?.roles).toEqual(["VIEWER"]);
    const revoked = await admin.auth.revokeRole({ userId: target.userId, role: "VIEWER" });
    expect(revoked.user?.roles).toEqual([]);
    const again = await admin.auth.revokeRole({ userId: target.userId, role: "VIEWER" });
    expect(again.user).toMatchObject({ roles: [], version: revoked.user?.version });
  });

  it("answers NOT_FOUND for an unknown user or role and INVALID_ARGUMENT for a missing one", async () => {
    const target = await createUserWithRoles(warden, { roles: ["VIEWER"] });
    expect(await grpcFailure(admin.auth.assignRole({ userId: target.userId, role: "NO_SUCH_ROLE" }))).toMatchObject({
      code: Code.NotFound,
      reason: "ROLE_NOT_FOUND",
    });
    expect(await grpcFailure(admin.auth.assignRole({ userId: randomUUID(), role: "VIEWER" }))).toMatchObject({
      code: Code.NotFound,
      reason: "USER_NOT_FOUND",
    });
    expect(await grpcFailure(admin.auth.revokeRole({ userId: target.userId, role: "" }))).toMatchObject({
      code: Code.InvalidArgument,
      violations: ["role: REQUIRED"],
    });
  });

  it("needs users:admin", async () => {
    const manager = await createCaller(warden, { roles: ["MANAGER"] });
    expect(await grpcFailure(manager.auth.assignRole({ userId: manager.userId, role: "ADMIN" }))).toMatchObject({
      code: Code.PermissionDenied,
      reason: "PERMISSION_DENIED",
    });
  });
});
