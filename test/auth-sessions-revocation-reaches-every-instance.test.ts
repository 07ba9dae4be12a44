import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../gen/warden/auth/v1/auth_service_pb.js";
import { generateKeySpec } from "../src/crypto/index.js";
import { createTestDatabase, TEST_DIALECTS, type TestDatabase } from "./support/database.js";
import { grpcFailure } from "./support/grpc-failure.js";
import { createCaller, FAST_AUTH_ENV, loginAs, type Caller } from "./support/identities.js";
import { startWarden, type TestWarden } from "./support/warden.js";

const WITHIN_MS = 1_000;
// Instances of one deployment share the master key, hence the token signing keys.
const ENV = { ...FAST_AUTH_ENV, DATABASE_ENCRYPTION_KEY: generateKeySpec(1) };

/** Milliseconds until `call` fails with UNAUTHENTICATED (polling), or Infinity if it still works after 3 s. */
async function msUntilRefused(call: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < 3_000) {
    try {
      await call();
    } catch (error) {
      if ((error as { code?: number }).code === status.UNAUTHENTICATED) return performance.now() - started;
      throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Number.POSITIVE_INFINITY;
}

describe.each(TEST_DIALECTS)("A revoked session is refused on every instance within one second (%s)", (dialect) => {
  // PostgreSQL: two instances sharing one database, as in production. SQLite: one process owns the file.
  let database: TestDatabase;
  let a: TestWarden;
  let b: TestWarden;
  let admin: Caller;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    a = await startWarden(dialect, { database, env: ENV });
    b = dialect === "postgres" ? await startWarden(dialect, { database, env: ENV }) : a;
    admin = await createCaller(a, { roles: ["ADMIN"] });
  });
  afterAll(async () => {
    if (b !== a) await b?.stop();
    await a?.stop();
    await database?.drop();
  });

  /** A user logged in on instance A whose token instance B has already accepted (and cached). */
  async function sessionKnownToBoth(): Promise<{ user: Caller; onB: () => Promise<unknown> }> {
    const user = await createCaller(a, { roles: ["VIEWER"] });
    const clientOfB = b.grpc(AuthService, user.metadata);
    expect((await clientOfB.whoAmI({})).sessionId).toBe(user.sessionId);
    return { user, onB: () => clientOfB.whoAmI({}) };
  }

  it("the user's own RevokeSession on A: B refuses the token within a second", async () => {
    const { user, onB } = await sessionKnownToBoth();
    const second = await loginAs(a, user.username, user.password);
    await a.grpc(AuthService, second.metadata).revokeSession({ sessionId: user.sessionId });
    const elapsed = await msUntilRefused(onB);
    expect(elapsed).toBeLessThan(WITHIN_MS);
    expect((await grpcFailure(onB())).reason).toBe("SESSION_REVOKED");
  });

  it("Logout on A: B refuses within a second", async () => {
    const { user, onB } = await sessionKnownToBoth();
    await user.auth.logout({});
    expect(await msUntilRefused(onB)).toBeLessThan(WITHIN_MS);
  });

  it("an administrator's RevokeUserSessions on B: A refuses within a second", async () => {
    const user = await createCaller(a, { roles: ["VIEWER"] });
    expect((await user.auth.whoAmI({})).sessionId).toBe(user.sessionId);
    const adminOnB = b.grpc(AuthService, admin.metadata);
    expect((await adminOnB.revokeUserSessions({ userId: user.userId })).revokedCount).toBe(1);
    expect(await msUntilRefused(() => user.auth.whoAmI({}))).toBeLessThan(WITHIN_MS);
  });

  it("refresh-token reuse detected on B: A refuses within a second", async () => {
    const { user } = await sessionKnownToBoth();
    expect((await user.auth.whoAmI({})).sessionId).toBe(user.sessionId);
    await a.grpc(AuthService).refresh({ refreshToken: user.refreshToken });
    await grpcFailure(b.grpc(AuthService).refresh({ refreshToken: user.refreshToken }));
    expect(await msUntilRefused(() => user.auth.whoAmI({}))).toBeLessThan(WITHIN_MS);
  });

  it("an instance started after a revocation refuses the revoked session from the start", async () => {
    const { user } = await sessionKnownToBoth();
    await user.auth.logout({});
    const late = await startWarden(dialect, { database, env: ENV });
    try {
      const failure = await grpcFailure(late.grpc(AuthService, user.metadata).whoAmI({}));
      expect(failure.reason).toBe("SESSION_REVOKED");
    } finally {
      await late.stop();
    }
  });
});
