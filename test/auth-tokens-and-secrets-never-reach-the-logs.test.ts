import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../gen/warden/auth/v1/auth_service_pb.js";
import { TEST_DIALECTS } from "./support/database.js";
import { grpcFailure } from "./support/grpc-failure.js";
import {
  createApiKey,
  createCaller,
  createUserWithRoles,
  FAST_AUTH_ENV,
  freshTotpStep,
  loginAs,
  strongPassword,
  totpCode,
} from "./support/identities.js";
import { startWarden, type TestWarden } from "./support/warden.js";

describe.each(TEST_DIALECTS)("Passwords, tokens, codes and keys never reach the logs (%s)", (dialect) => {
  let warden: TestWarden;
  /** Everything secret that went over the wire in this run. */
  const secrets = new Set<string>();
  const keep = (...values: string[]) => values.forEach((value) => value.length >= 6 && secrets.add(value));

  beforeAll(async () => {
    warden = await startWarden(dialect, { env: { ...FAST_AUTH_ENV, LOG_LEVEL: "trace", MAX_FAILED_LOGINS: "3" } });
  });
  afterAll(() => warden?.stop());

  it("holds for a run through every credential flow, failures included", async () => {
    const anonymous = warden.grpc(AuthService);
    const admin = await createCaller(warden, { roles: ["ADMIN"] });
    keep(admin.password, admin.accessToken, admin.refreshToken);

    // Failed logins, up to a lockout, with passwords that look like passwords.
    const victim = await createUserWithRoles(warden, { roles: ["VIEWER"] });
    keep(victim.password);
    for (const guess of ["Guess-Number-One-1", "Guess-Number-Two-2", "Guess-Number-Three-3", victim.password]) {
      keep(guess);
      await grpcFailure(anonymous.login({ login: victim.username, password: guess }));
    }
    await grpcFailure(anonymous.login({ login: "no-such-user", password: "Unknown-User-Password-9" }));
    keep("Unknown-User-Password-9");

    // Refresh, reuse, logout.
    const user = await createCaller(warden, { roles: ["OPERATOR"] });
    keep(user.password, user.accessToken, user.refreshToken);
    const rotated = await anonymous.refresh({ refreshToken: user.refreshToken });
    keep(rotated.accessToken, rotated.refreshToken);
    await grpcFailure(anonymous.refresh({ refreshToken: user.refreshToken }));
    await grpcFailure(warden.grpc(AuthService, { authorization: `Bearer ${rotated.accessToken}x` }).whoAmI({}));

    // TOTP: enrolment, codes, recovery codes.
    const second = await createCaller(warden, { roles: ["VIEWER"] });
    keep(second.password, second.accessToken, second.refreshToken);
    await grpcFailure(second.auth.enrollTotp({ password: "Wrong-Enrol-Password-1" }));
    keep("Wrong-Enrol-Password-1");
    const { secret, otpauthUri } = await second.auth.enrollTotp({ password: second.password });
    keep(secret, otpauthUri);
    const step = await freshTotpStep();
    const code = await totpCode(secret, step);
    const { recoveryCodes } = await second.auth.confirmTotp({ code });
    keep(...recoveryCodes);
    const withRecovery = await anonymous.login({ login: second.username, password: second.password, recoveryCode: recoveryCodes[0] ?? "" });
    keep(withRecovery.accessToken, withRecovery.refreshToken);
    await grpcFailure(anonymous.login({ login: second.username, password: second.password, recoveryCode: recoveryCodes[0] ?? "" }));

    // Password change, including a refused one.
    const newPassword = strongPassword();
    keep(newPassword);
    await grpcFailure(user.auth.changePassword({ currentPassword: user.password, newPassword: "weakpassword" }));
    const current = await loginAs(warden, user.username, user.password);
    keep(current.accessToken, current.refreshToken);
    await warden.grpc(AuthService, current.metadata).changePassword({ currentPassword: user.password, newPassword });

    // API keys: created, used, misused.
    const key = await createApiKey(warden, admin, { permissions: ["flags:read"] });
    keep(key.key, key.key.split("_").slice(2).join("_"));
    await warden.grpc(AuthService, key.metadata).whoAmI({});
    await grpcFailure(warden.grpc(AuthService, { "x-api-key": `${key.key}0` }).whoAmI({}));

    const logs = warden.logs.join("\n");
    expect(logs).toContain("AuthService/Login");
    expect(secrets.size).toBeGreaterThan(25);
    const leaked = [...secrets].filter((value) => logs.includes(value));
    expect(leaked).toEqual([]);
  });
});
