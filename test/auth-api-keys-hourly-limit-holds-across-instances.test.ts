import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKeySpec } from "../src/crypto/index.js";
import { AuthService } from "../gen/warden/auth/v1/auth_service_pb.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";
import { grpcFailure } from "./support/grpc-failure.js";
import { createApiKey, createCaller, FAST_AUTH_ENV } from "./support/identities.js";
import { startWarden, type TestWarden } from "./support/warden.js";

const redisUrl = process.env["TEST_REDIS_URL"];
const sharedDatabase = redisUrl !== undefined && process.env["TEST_DATABASE_URL"] !== undefined;

describe.skipIf(!sharedDatabase)("an API key's hourly limit with Redis", () => {
  let database: TestDatabase;
  let first: TestWarden;
  let second: TestWarden;
  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    // Instances of one deployment share the master key (and so the API-key hashing key).
    const env = { ...FAST_AUTH_ENV, REDIS_URL: redisUrl ?? "", DATABASE_ENCRYPTION_KEY: generateKeySpec(1) };
    first = await startWarden("postgres", { env, database });
    second = await startWarden("postgres", { env, database });
  });
  afterAll(async () => {
    await Promise.all([first.stop(), second.stop()]);
    await database.drop();
  });

  it("is one budget shared by every instance", async () => {
    const owner = await createCaller(first, { roles: ["VIEWER"] });
    const key = await createApiKey(first, owner, { permissions: ["flags:read"], rateLimitPerHour: 4 });
    const onFirst = first.grpc(AuthService, key.metadata);
    const onSecond = second.grpc(AuthService, key.metadata);
    for (const client of [onFirst, onSecond, onFirst, onSecond]) await client.whoAmI({});
    for (const client of [onFirst, onSecond]) {
      const refused = await grpcFailure(client.whoAmI({}));
      expect(refused.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      expect(refused.reason).toBe("RATE_LIMITED");
      expect(Number(refused.details.retryInfo?.retryDelay?.seconds ?? 0)).toBeGreaterThan(0);
    }
  });
});

describe("an API key's hourly limit while Redis is unreachable", () => {
  let warden: TestWarden;
  beforeAll(async () => {
    // Nothing listens on port 1: every Redis command fails at once.
    warden = await startWarden("sqlite", { env: { ...FAST_AUTH_ENV, REDIS_URL: "redis://127.0.0.1:1" } });
  });
  afterAll(() => warden.stop());

  it("is still enforced, by the instance's own memory", async () => {
    const owner = await createCaller(warden, { roles: ["VIEWER"] });
    const key = await createApiKey(warden, owner, { permissions: ["flags:read"], rateLimitPerHour: 3 });
    const client = warden.grpc(AuthService, key.metadata);
    for (let call = 0; call < 3; call++) await client.whoAmI({});
    const refused = await grpcFailure(client.whoAmI({}));
    expect(refused.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(refused.reason).toBe("RATE_LIMITED");
  });
});
