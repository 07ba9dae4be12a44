import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../gen/warden/auth/v1/auth_service_pb.js";
import { AuditLogEntry, User, type EntityManager } from "../src/db/index.js";
import { TEST_DIALECTS } from "./support/database.js";
import { grpcFailure } from "./support/grpc-failure.js";
import { createCaller, FAST_AUTH_ENV, freshTotpStep, loginAs, totpCode, type Caller } from "./support/identities.js";
import { startWarden, type TestWarden } from "./support/warden.js";

describe.each(TEST_DIALECTS)("TOTP: recovery codes, disabling and the administrator's reset (%s)", (dialect) => {
  let warden: TestWarden;
  let admin: Caller;
  const em = () => warden.server.orm.em.fork() as EntityManager;
  const userRow = async (id: string) => (await em().findOne(User, { id }, { disableIdentityMap: true })) as User;
  const login = (body: { login: string; password: string; totpCode?: string; recoveryCode?: string }) =>
    warden.grpc(AuthService).login(body);

  beforeAll(async () => {
    warden = await startWarden(dialect, { env: { ...FAST_AUTH_ENV } });
    admin = await createCaller(warden, { roles: ["ADMIN"] });
  });
  afterAll(() => warden?.stop());

  /** A logged-in user with TOTP on; returns the secret, the recovery codes and the step used to confirm. */
  async function enrolled(): Promise<{ user: Caller; secret: string; recoveryCodes: string[]; step: number }> {
    const user = await createCaller(warden, { roles: ["VIEWER"] });
    const { secret } = await user.auth.enrollTotp({ password: user.password });
    const step = await freshTotpStep();
    const { recoveryCodes } = await user.auth.confirmTotp({ code: await totpCode(secret, step) });
    return { user, secret, recoveryCodes, step };
  }

  it("stores recovery codes only as keyed hashes, and accepts each one once, however it is typed", async () => {
    const { user, recoveryCodes } = await enrolled();
    const stored = (await userRow(user.userId)).recoveryCodes;
    expect(stored).toHaveLength(10);
    for (const hash of stored) expect(hash).toMatch(/^v1:[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain((recoveryCodes[0] ?? "").slice(0, 4) + "-");

    const [first = "", second = ""] = recoveryCodes;
    const withFirst = await login({ login: user.username, password: user.password, recoveryCode: first });
    expect(withFirst.user?.id).toBe(user.userId);
    const reused = await grpcFailure(login({ login: user.username, password: user.password, recoveryCode: first }));
    expect([reused.code, reused.reason]).toEqual([status.UNAUTHENTICATED, "INVALID_CREDENTIALS"]);
    await login({ login: user.username, password: user.password, recoveryCode: second.toUpperCase().replaceAll("-", " ") });
    expect((await userRow(user.userId)).recoveryCodes).toHaveLength(8);
    const audit = await em().find(AuditLogEntry, { action: "auth.login.succeeded", resourceId: user.userId }, { orderBy: { revision: "desc" } });
    expect(audit[0]?.details).toMatchObject({ method: "password+recovery_code" });
  });

  it("consumes a recovery code once even when two logins race with it", async () => {
    const { user, recoveryCodes } = await enrolled();
    const code = recoveryCodes[3] ?? "";
    const results = await Promise.allSettled(
      Array.from({ length: 4 }, () => login({ login: user.username, password: user.password, recoveryCode: code })),
    );
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    expect((await userRow(user.userId)).recoveryCodes).toHaveLength(9);
  });

  it("disables with the password (not a wrong one), ending the other sessions, after which the password alone logs in", async () => {
    const { user, recoveryCodes } = await enrolled();
    const other = await login({ login: user.username, password: user.password, recoveryCode: recoveryCodes[5] ?? "" });
    const wrong = await grpcFailure(user.auth.disableTotp({ password: "wrong-password" }));
    expect([wrong.code, wrong.reason]).toEqual([status.INVALID_ARGUMENT, "INCORRECT_PASSWORD"]);
    const neither = await grpcFailure(user.auth.disableTotp({}));
    expect(neither.code).toBe(status.INVALID_ARGUMENT);

    await user.auth.disableTotp({ password: user.password });
    const row = await userRow(user.userId);
    expect([row.totpEnabled, row.totpSecret ?? null, row.recoveryCodes]).toEqual([false, null, []]);
    const otherSession = warden.grpc(AuthService, { authorization: `Bearer ${other.accessToken}` });
    expect((await grpcFailure(otherSession.whoAmI({}))).reason).toBe("SESSION_REVOKED");
    expect((await user.auth.whoAmI({})).user?.totpEnabled).toBe(false);
    await loginAs(warden, user.username, user.password);
    expect((await grpcFailure(user.auth.disableTotp({ password: user.password }))).reason).toBe("TOTP_NOT_ENABLED");
    expect(await em().count(AuditLogEntry, { action: "auth.totp.disabled", resourceId: user.userId })).toBe(1);
  });

  it("disables with a current code or a recovery code instead of the password", async () => {
    const first = await enrolled();
    await first.user.auth.disableTotp({ code: await totpCode(first.secret, first.step + 1) });
    expect((await userRow(first.user.userId)).totpEnabled).toBe(false);

    const second = await enrolled();
    const spent = await grpcFailure(second.user.auth.disableTotp({ code: await totpCode(second.secret, second.step) }));
    expect([spent.code, spent.reason]).toEqual([status.INVALID_ARGUMENT, "INVALID_TOTP_CODE"]);
    await second.user.auth.disableTotp({ code: second.recoveryCodes[0] ?? "" });
    expect((await userRow(second.user.userId)).totpEnabled).toBe(false);
  });

  it("lets users:admin reset a user's TOTP (lost device): the user's sessions end, the password alone logs in", async () => {
    const { user } = await enrolled();
    const viewer = await createCaller(warden, { roles: ["VIEWER"] });
    const refused = await grpcFailure(viewer.auth.resetUserTotp({ userId: user.userId }));
    expect(refused.code).toBe(status.PERMISSION_DENIED);
    expect((await userRow(user.userId)).totpEnabled).toBe(true);

    await admin.auth.resetUserTotp({ userId: user.userId });
    expect((await userRow(user.userId)).totpEnabled).toBe(false);
    expect((await grpcFailure(user.auth.whoAmI({}))).reason).toBe("SESSION_REVOKED");
    await loginAs(warden, user.username, user.password);
    const audit = await em().findOne(AuditLogEntry, { action: "auth.totp.reset", resourceId: user.userId });
    expect(audit?.actorUser?.id).toBe(admin.userId);
    const unknown = await grpcFailure(admin.auth.resetUserTotp({ userId: "00000000-0000-4000-8000-000000000000" }));
    expect([unknown.code, unknown.reason]).toEqual([status.NOT_FOUND, "USER_NOT_FOUND"]);
  });
});
