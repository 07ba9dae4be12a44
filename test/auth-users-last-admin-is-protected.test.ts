import { Code } from "@connectrpc/connect";
import type { ServiceError } from "@grpc/grpc-js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readErrorDetails } from "../src/transport/index.js";
import { TEST_DIALECTS } from "./support/database.js";
import { grpcFailure } from "./support/grpc-failure.js";
import { createCaller, startWardenWithAdmin, type Caller } from "./support/identities.js";
import type { TestWarden } from "./support/warden.js";

describe.each(TEST_DIALECTS)("the last active ADMIN on %s", (dialect) => {
  let warden: TestWarden;
  let admin: Caller;
  beforeEach(async () => {
    ({ warden, admin } = await startWardenWithAdmin(dialect));
    // Whatever else holds ADMIN (e.g. a bootstrapped first admin) is locked, so `admin` is the last.
    const { users } = await admin.auth.listUsers({ role: "ADMIN" });
    for (const other of users.filter((user) => user.id !== admin.userId)) await admin.auth.lockUser({ userId: other.id });
  });
  afterEach(() => warden?.stop());

  it("cannot lose ADMIN, be deactivated or be locked", async () => {
    // One call at a time: a rejection must not wait unobserved while an earlier call is awaited.
    for (const call of [
      () => admin.auth.revokeRole({ userId: admin.userId, role: "ADMIN" }),
      () => admin.auth.deactivateUser({ userId: admin.userId }),
      () => admin.auth.lockUser({ userId: admin.userId, reason: "test" }),
    ]) {
      expect(await grpcFailure(call())).toMatchObject({ code: Code.FailedPrecondition, reason: "LAST_ACTIVE_ADMIN" });
    }
    const { user } = await admin.auth.getUser({ userId: admin.userId });
    expect(user).toMatchObject({ active: true, locked: false, roles: ["ADMIN"] });
    // Refused changes leave no audit trace and no revoked session: the caller still works.
    await expect(admin.auth.whoAmI({})).resolves.toMatchObject({ user: { id: admin.userId } });
  });

  it("can step down once another active admin exists, and then that one is protected", async () => {
    const second = await createCaller(warden, { roles: ["ADMIN"] });
    const { user } = await admin.auth.revokeRole({ userId: admin.userId, role: "ADMIN" });
    expect(user?.roles).toEqual([]);
    expect(await grpcFailure(admin.auth.revokeRole({ userId: second.userId, role: "ADMIN" }))).toMatchObject({
      code: Code.PermissionDenied,
    });
    expect(await grpcFailure(second.auth.deactivateUser({ userId: second.userId }))).toMatchObject({
      code: Code.FailedPrecondition,
      reason: "LAST_ACTIVE_ADMIN",
    });
  });

  it("counts a locked or deactivated admin as gone", async () => {
    const second = await createCaller(warden, { roles: ["ADMIN"] });
    await admin.auth.lockUser({ userId: second.userId, reason: "on leave" });
    expect(await grpcFailure(admin.auth.revokeRole({ userId: admin.userId, role: "ADMIN" }))).toMatchObject({
      reason: "LAST_ACTIVE_ADMIN",
    });
    await admin.auth.unlockUser({ userId: second.userId });
    await admin.auth.deactivateUser({ userId: second.userId });
    expect(await grpcFailure(admin.auth.lockUser({ userId: admin.userId }))).toMatchObject({ reason: "LAST_ACTIVE_ADMIN" });
  });

  it("lets exactly one of two admins removing each other at the same moment succeed", async () => {
    const second = await createCaller(warden, { roles: ["ADMIN"] });
    const outcomes = await Promise.allSettled([
      admin.auth.revokeRole({ userId: second.userId, role: "ADMIN" }),
      second.auth.revokeRole({ userId: admin.userId, role: "ADMIN" }),
      admin.auth.deactivateUser({ userId: admin.userId }),
      second.auth.lockUser({ userId: second.userId }),
    ]);
    const failures = outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [outcome.reason as ServiceError] : []));
    for (const failure of failures) {
      // The losers either saw the last admin (FAILED_PRECONDITION) or had already lost their
      // session or ADMIN (UNAUTHENTICATED / PERMISSION_DENIED); never INTERNAL.
      expect([Code.FailedPrecondition, Code.PermissionDenied, Code.Unauthenticated, Code.Aborted]).toContain(failure.code as number);
      if ((failure.code as number) === Code.FailedPrecondition) expect(readErrorDetails(failure).errorInfo?.reason).toBe("LAST_ACTIVE_ADMIN");
    }
    const { users } = await (await stillAdmin([admin, second])).auth.listUsers({ role: "ADMIN" });
    const usable = users.filter((user) => user.active && !user.locked);
    expect(usable).toHaveLength(1);
  });
});

/** Whichever admin still has a working session and ADMIN. */
async function stillAdmin(candidates: Caller[]): Promise<Caller> {
  for (const candidate of candidates) {
    const ok = await candidate.auth.listUsers({}).then(
      () => true,
      () => false,
    );
    if (ok) return candidate;
  }
  throw new Error("no admin left");
}
