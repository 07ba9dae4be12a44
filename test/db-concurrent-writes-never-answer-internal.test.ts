import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../gen/warden/auth/v1/auth_service_pb.js";
import { TEST_DIALECTS } from "./support/database.js";
import { createCaller, FAST_AUTH_ENV } from "./support/identities.js";
import { startWarden, type TestWarden } from "./support/warden.js";

/**
 * Ten Refresh calls with one token at the same moment: transactions that lock the same rows in
 * different orders can deadlock, and a deadlock is the database's word, not a server fault.
 * Exactly one rotation may win; the others are reuse (the session is revoked) — never INTERNAL.
 */
describe.each(TEST_DIALECTS)("concurrent writes on one session (%s)", (dialect) => {
  let warden: TestWarden;
  beforeAll(async () => {
    warden = await startWarden(dialect, { env: { ...FAST_AUTH_ENV } });
  });
  afterAll(() => warden?.stop());

  it("answer OK or a refusal with a reason, never INTERNAL", async () => {
    for (let round = 0; round < 3; round++) {
      const caller = await createCaller(warden, { roles: ["VIEWER"] });
      const client = warden.grpc(AuthService);
      const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => client.refresh({ refreshToken: caller.refreshToken })));
      const codes = outcomes.map((outcome) => (outcome.status === "fulfilled" ? status.OK : (outcome.reason as { code: number }).code));
      expect(codes.filter((code) => code === status.INTERNAL)).toEqual([]);
      expect(codes.filter((code) => code === status.OK).length).toBeLessThanOrEqual(1);
    }
  });
});
