import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../gen/warden/auth/v1/auth_service_pb.js";
import { AuditLogEntry, User, type EntityManager } from "../src/db/index.js";
import { TEST_DIALECTS } from "./support/database.js";
import { grpcFailure } from "./support/grpc-failure.js";
import { createUserWithRoles, FAST_AUTH_ENV, loginAs } from "./support/identities.js";
import { startWarden, type TestWarden } from "./support/warden.js";

const THRESHOLD = 20;
const LOCKOUT_BASE_SECONDS = 600;

describe.each(TEST_DIALECTS)("Login locks out exactly at the threshold under parallel attempts (%s)", (dialect) => {
  let warden: TestWarden;
  const em = () => warden.server.orm.em.fork() as EntityManager;
  const userRow = async (id: string) => (await em().findOne(User, { id }, { disableIdentityMap: true })) as User;
  const auditCount = async (action: string, resourceId: string) => em().count(AuditLogEntry, { action, resourceId });
  const wrongPasswords = (login: string, count: number) =>
    Promise.all(
      Array.from({ length: count }, (_, index) => grpcFailure(warden.grpc(AuthService).login({ login, password: `wrong-password-${index}` }))),
    );

  beforeAll(async () => {
    warden = await startWarden(dialect, {
      env: { ...FAST_AUTH_ENV, MAX_FAILED_LOGINS: String(THRESHOLD), LOCKOUT_BASE_SECONDS: String(LOCKOUT_BASE_SECONDS) },
    });
  });
  afterAll(() => warden?.stop());

  it(`counts ${THRESHOLD - 1} parallel failures as exactly ${THRESHOLD - 1}, without a lockout; a success resets the count`, async () => {
    const user = await createUserWithRoles(warden, { roles: ["VIEWER"] });
    const failures = await wrongPasswords(user.username, THRESHOLD - 1);
    expect(failures.every((failure) => failure.reason === "INVALID_CREDENTIALS")).toBe(true);
    const row = await userRow(user.userId);
    expect(row.failedLoginCount).toBe(THRESHOLD - 1);
    expect(row.lockedUntil ?? null).toBeNull();
    expect(await auditCount("auth.login.failed", user.userId)).toBe(THRESHOLD - 1);

    await loginAs(warden, user.username, user.password);
    expect((await userRow(user.userId)).failedLoginCount).toBe(0);
  });

  it(`locks the account at exactly the ${THRESHOLD}th of ${THRESHOLD} parallel failures, once, for the base period`, async () => {
    const user = await createUserWithRoles(warden, { roles: ["VIEWER"] });
    const before = Date.now();
    const failures = await wrongPasswords(user.username, THRESHOLD);
    expect(failures.every((failure) => failure.code === status.UNAUTHENTICATED && failure.reason === "INVALID_CREDENTIALS")).toBe(true);

    const row = await userRow(user.userId);
    expect(row.lockoutCount).toBe(1);
    expect(row.failedLoginCount).toBe(0);
    const lockedFor = (row.lockedUntil?.getTime() ?? 0) - before;
    expect(lockedFor).toBeGreaterThanOrEqual(LOCKOUT_BASE_SECONDS * 1000 - 1000);
    expect(lockedFor).toBeLessThanOrEqual(LOCKOUT_BASE_SECONDS * 1000 + 30_000);
    expect(await auditCount("auth.login.failed", user.userId)).toBe(THRESHOLD);
    expect(await auditCount("auth.lockout", user.userId)).toBe(1);

    // Locked: even the right password answers exactly like a wrong one, and is not counted.
    const locked = await grpcFailure(warden.grpc(AuthService).login({ login: user.username, password: user.password }));
    expect(locked.reason).toBe("INVALID_CREDENTIALS");
    expect((await userRow(user.userId)).failedLoginCount).toBe(0);
  });

  it("does not count attempts that raced past a lockout: 2x the threshold in parallel lock once", async () => {
    const user = await createUserWithRoles(warden, { roles: ["VIEWER"] });
    await wrongPasswords(user.username, THRESHOLD * 2);
    const row = await userRow(user.userId);
    expect(row.lockoutCount).toBe(1);
    expect(row.failedLoginCount).toBe(0);
    expect(await auditCount("auth.lockout", user.userId)).toBe(1);
  });

  it("doubles the lockout each time it recurs, and lets the user in once it is over", async () => {
    const user = await createUserWithRoles(warden, { roles: ["VIEWER"] });
    await wrongPasswords(user.username, THRESHOLD);
    // The first lockout runs out...
    await em().nativeUpdate(User, { id: user.userId }, { lockedUntil: new Date(Date.now() - 1000) });
    const before = Date.now();
    await wrongPasswords(user.username, THRESHOLD);
    const row = await userRow(user.userId);
    expect(row.lockoutCount).toBe(2);
    const lockedFor = (row.lockedUntil?.getTime() ?? 0) - before;
    expect(lockedFor).toBeGreaterThanOrEqual(2 * LOCKOUT_BASE_SECONDS * 1000 - 1000);
    expect(lockedFor).toBeLessThanOrEqual(2 * LOCKOUT_BASE_SECONDS * 1000 + 30_000);

    await em().nativeUpdate(User, { id: user.userId }, { lockedUntil: new Date(Date.now() - 1000) });
    const session = await loginAs(warden, user.username, user.password);
    expect(session.userId).toBe(user.userId);
    const reset = await userRow(user.userId);
    expect([reset.failedLoginCount, reset.lockoutCount, reset.lockedUntil ?? null]).toEqual([0, 0, null]);
  });
});
