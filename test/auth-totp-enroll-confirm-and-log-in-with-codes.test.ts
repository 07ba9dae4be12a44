import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../gen/warden/auth/v1/auth_service_pb.js";
import { AuditLogEntry, User, type EntityManager } from "../src/db/index.js";
import { TEST_DIALECTS } from "./support/database.js";
import { grpcFailure } from "./support/grpc-failure.js";
import { createCaller, FAST_AUTH_ENV, freshTotpStep, loginAs, totpCode } from "./support/identities.js";
import { startWarden, type TestWarden } from "./support/warden.js";

describe.each(TEST_DIALECTS)("TOTP: enrol, confirm, log in with a code once (%s)", (dialect) => {
  let warden: TestWarden;
  const em = () => warden.server.orm.em.fork() as EntityManager;
  const userRow = async (id: string) => (await em().findOne(User, { id }, { disableIdentityMap: true })) as User;
  const login = (body: { login: string; password: string; totpCode?: string; recoveryCode?: string }) =>
    warden.grpc(AuthService).login(body);

  beforeAll(async () => {
    warden = await startWarden(dialect, { env: { ...FAST_AUTH_ENV } });
  });
  afterAll(() => warden?.stop());

  it("enrols with the password, activates with a valid code, then requires a code that works only once", async () => {
    const user = await createCaller(warden, { roles: ["VIEWER"] });
    const otherSession = await loginAs(warden, user.username, user.password);

    const wrongPassword = await grpcFailure(user.auth.enrollTotp({ password: "not-my-password" }));
    expect([wrongPassword.code, wrongPassword.reason]).toEqual([status.INVALID_ARGUMENT, "INCORRECT_PASSWORD"]);

    const { secret, otpauthUri } = await user.auth.enrollTotp({ password: user.password });
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(otpauthUri);
    expect(uri.protocol).toBe("otpauth:");
    expect(uri.searchParams.get("secret")).toBe(secret);
    expect(uri.searchParams.get("issuer")).toBe("Warden");
    expect(decodeURIComponent(uri.pathname)).toContain(user.username);
    // Stored encrypted, and not active before confirmation: a login needs no code yet.
    const enrolled = await userRow(user.userId);
    expect(enrolled.totpEnabled).toBe(false);
    expect(enrolled.totpSecret).toMatch(/^v1:/);
    expect(enrolled.totpSecret).not.toContain(secret);
    await loginAs(warden, user.username, user.password);

    const step = await freshTotpStep();
    const badCode = await grpcFailure(user.auth.confirmTotp({ code: "000000" === (await totpCode(secret, step)) ? "111111" : "000000" }));
    expect([badCode.code, badCode.reason]).toEqual([status.INVALID_ARGUMENT, "INVALID_TOTP_CODE"]);
    const { recoveryCodes } = await user.auth.confirmTotp({ code: await totpCode(secret, step) });
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);

    // Activating a second factor ends the other sessions; the current one goes on.
    expect((await grpcFailure(warden.grpc(AuthService, otherSession.metadata).whoAmI({}))).reason).toBe("SESSION_REVOKED");
    expect((await user.auth.whoAmI({})).user?.totpEnabled).toBe(true);
    const again = await grpcFailure(user.auth.enrollTotp({ password: user.password }));
    expect([again.code, again.reason]).toEqual([status.FAILED_PRECONDITION, "TOTP_ALREADY_ENABLED"]);

    // The password alone no longer logs in; the caller learns a code is needed (the password was right).
    const missing = await grpcFailure(login({ login: user.username, password: user.password }));
    expect([missing.code, missing.reason]).toEqual([status.UNAUTHENTICATED, "TOTP_REQUIRED"]);
    // A valid code with a wrong password is just invalid credentials.
    const next = await totpCode(secret, step + 1);
    expect((await grpcFailure(login({ login: user.username, password: "wrong-password", totpCode: next }))).reason).toBe(
      "INVALID_CREDENTIALS",
    );
    // The code used to confirm is spent; the next step's code works, once.
    expect((await grpcFailure(login({ login: user.username, password: user.password, totpCode: await totpCode(secret, step) }))).reason).toBe(
      "INVALID_CREDENTIALS",
    );
    const withCode = await login({ login: user.username, password: user.password, totpCode: next });
    expect(withCode.user?.id).toBe(user.userId);
    const replay = await grpcFailure(login({ login: user.username, password: user.password, totpCode: next }));
    expect([replay.code, replay.reason]).toEqual([status.UNAUTHENTICATED, "INVALID_CREDENTIALS"]);

    const failures = await em().find(AuditLogEntry, { action: "auth.login.failed", resourceId: user.userId });
    expect(failures.map((row) => row.details?.["reason"]).sort()).toEqual(["bad_password", "totp_replay", "totp_replay"]);
    const succeeded = await em().find(AuditLogEntry, { action: "auth.login.succeeded", resourceId: user.userId }, { orderBy: { revision: "desc" } });
    expect(succeeded[0]?.details).toMatchObject({ method: "password+totp" });
    const enabled = await em().findOne(AuditLogEntry, { action: "auth.totp.enabled", resourceId: user.userId });
    expect(enabled?.details).toMatchObject({ revokedSessions: 2 });
    // No code, secret or recovery code reached the audit trail.
    const trail = JSON.stringify(await em().find(AuditLogEntry, { resourceId: user.userId }));
    for (const secretText of [secret, next, ...recoveryCodes]) expect(trail).not.toContain(secretText);
  });

  it("accepts codes of one step either side only, and a code for one user is not valid for another", async () => {
    const alice = await createCaller(warden, { roles: ["VIEWER"] });
    const bob = await createCaller(warden, { roles: ["VIEWER"] });
    const { secret } = await alice.auth.enrollTotp({ password: alice.password });
    const { secret: bobSecret } = await bob.auth.enrollTotp({ password: bob.password });
    const step = await freshTotpStep();
    await alice.auth.confirmTotp({ code: await totpCode(secret, step - 1) });
    await bob.auth.confirmTotp({ code: await totpCode(bobSecret, step - 1) });
    const farFuture = await grpcFailure(login({ login: alice.username, password: alice.password, totpCode: await totpCode(secret, step + 3) }));
    expect(farFuture.reason).toBe("INVALID_CREDENTIALS");
    const othersCode = await grpcFailure(login({ login: bob.username, password: bob.password, totpCode: await totpCode(secret, step) }));
    expect(othersCode.reason).toBe("INVALID_CREDENTIALS");
    await login({ login: alice.username, password: alice.password, totpCode: await totpCode(secret, step) });
  });

  it("counts wrong codes towards the lockout, like wrong passwords", async () => {
    const user = await createCaller(warden, { roles: ["VIEWER"] });
    const { secret } = await user.auth.enrollTotp({ password: user.password });
    const step = await freshTotpStep();
    await user.auth.confirmTotp({ code: await totpCode(secret, step) });
    await grpcFailure(login({ login: user.username, password: user.password, totpCode: "12345x" }));
    await grpcFailure(login({ login: user.username, password: user.password, totpCode: await totpCode(secret, step) }));
    expect((await userRow(user.userId)).failedLoginCount).toBe(2);
  });
});
