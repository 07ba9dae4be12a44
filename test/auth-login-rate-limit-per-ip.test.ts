import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../gen/warden/auth/v1/auth_service_pb.js";
import { AuditLogEntry, type EntityManager } from "../src/db/index.js";
import { TEST_DIALECTS } from "./support/database.js";
import { grpcFailure } from "./support/grpc-failure.js";
import { createUserWithRoles, FAST_AUTH_ENV, type Identity } from "./support/identities.js";
import { startWarden, type TestWarden } from "./support/warden.js";

const LIMIT = 4;

describe.each(TEST_DIALECTS)("Login is rate-limited per client IP (%s)", (dialect) => {
  let warden: TestWarden;
  let user: Identity;

  beforeAll(async () => {
    warden = await startWarden(dialect, { env: { ...FAST_AUTH_ENV, LOGIN_RATE_LIMIT_PER_MINUTE: String(LIMIT) } });
    user = await createUserWithRoles(warden, { roles: ["VIEWER"] });
  });
  afterAll(() => warden?.stop());

  it("answers RESOURCE_EXHAUSTED with RetryInfo once the address used its attempts, before checking any password", async () => {
    const auth = warden.grpc(AuthService);
    for (let attempt = 0; attempt < LIMIT; attempt++) {
      expect((await grpcFailure(auth.login({ login: user.username, password: "not-the-password" }))).reason).toBe("INVALID_CREDENTIALS");
    }
    // Even the right password: the limit is on attempts from the address, not on failures.
    const limited = await grpcFailure(auth.login({ login: user.username, password: user.password }));
    expect(limited.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(limited.reason).toBe("RATE_LIMITED");
    const delay = limited.details.retryInfo?.retryDelay;
    expect(delay).toBeDefined();
    const delayMs = Number(delay?.seconds ?? 0n) * 1000 + (delay?.nanos ?? 0) / 1e6;
    expect(delayMs).toBeGreaterThan(0);
    expect(delayMs).toBeLessThanOrEqual(60_000);

    // The refused attempt never reached the password check: no audit row, no failure counted.
    const em = warden.server.orm.em.fork() as EntityManager;
    expect(await em.count(AuditLogEntry, { action: "auth.login.failed", resourceId: user.userId })).toBe(LIMIT);
    expect(await em.count(AuditLogEntry, { action: "auth.login.succeeded", resourceId: user.userId })).toBe(0);
  });
});
