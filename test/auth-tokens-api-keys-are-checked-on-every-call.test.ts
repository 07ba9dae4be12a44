import { status } from "@grpc/grpc-js";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../gen/warden/auth/v1/auth_service_pb.js";
import { blockListOf, isAddressAllowed } from "../src/auth/domain/index.js";
import { generateKeySpec } from "../src/crypto/index.js";
import { ApiKey, createOrm, type EntityManager } from "../src/db/index.js";
import { createTestDatabase, TEST_DIALECTS, type TestDatabase } from "./support/database.js";
import { grpcFailure } from "./support/grpc-failure.js";
import { createApiKey, createCaller, FAST_AUTH_ENV, type Caller } from "./support/identities.js";
import { startWarden, type TestWarden } from "./support/warden.js";

// Fixed, so that a restarted instance verifies the keys the first one issued.
const ENV = { ...FAST_AUTH_ENV, DATABASE_ENCRYPTION_KEY: generateKeySpec(1) };

describe.each(TEST_DIALECTS)("API keys are checked on every call, against the owner as they are now (%s)", (dialect) => {
  let database: TestDatabase;
  let warden: TestWarden;
  let admin: Caller;
  const em = () => warden.server.orm.em.fork() as EntityManager;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    warden = await startWarden(dialect, { database, env: ENV });
    admin = await createCaller(warden, { roles: ["ADMIN"] });
  });
  afterAll(async () => {
    await warden?.stop();
    await database?.drop();
  });

  it("acts with the key's permissions cut to what the owner holds at this moment", async () => {
    const owner = await createCaller(warden, { roles: ["MANAGER"] });
    const key = await createApiKey(warden, owner, { permissions: ["users:read", "flags:read"] });
    const client = warden.grpc(AuthService, key.metadata);
    const before = await client.whoAmI({});
    expect(before.permissions).toEqual(["flags:read", "users:read"]);
    expect(before.apiKey?.id).toBe(key.apiKeyId);
    expect(before.user).toBeUndefined();
    await client.getUser({ userId: owner.userId });

    // The owner is demoted: the key loses users:read on the very next call.
    await admin.auth.assignRole({ userId: owner.userId, role: "VIEWER" });
    await admin.auth.revokeRole({ userId: owner.userId, role: "MANAGER" });
    expect((await client.whoAmI({})).permissions).toEqual(["flags:read"]);
    const denied = await grpcFailure(client.getUser({ userId: owner.userId }));
    expect([denied.code, denied.reason]).toEqual([status.PERMISSION_DENIED, "PERMISSION_DENIED"]);
  });

  it("stops working while its owner is locked, and works again once unlocked; dies with a deactivated owner", async () => {
    const owner = await createCaller(warden, { roles: ["OPERATOR"] });
    const key = await createApiKey(warden, owner, { permissions: ["flags:read"] });
    const client = warden.grpc(AuthService, key.metadata);
    await client.whoAmI({});
    await admin.auth.lockUser({ userId: owner.userId, reason: "investigating" });
    const refused = await grpcFailure(client.whoAmI({}));
    expect([refused.code, refused.reason]).toEqual([status.UNAUTHENTICATED, "ACCOUNT_UNAVAILABLE"]);
    await admin.auth.unlockUser({ userId: owner.userId });
    await client.whoAmI({});
    await admin.auth.deactivateUser({ userId: owner.userId });
    expect((await grpcFailure(client.whoAmI({}))).code).toBe(status.UNAUTHENTICATED);
  });

  it("stops working at its expiry", async () => {
    const owner = await createCaller(warden, { roles: ["OPERATOR"] });
    const expiresAt = Date.now() + 1_500;
    const key = await createApiKey(warden, owner, { permissions: ["flags:read"], expireTime: timestampFromMs(expiresAt) });
    const client = warden.grpc(AuthService, key.metadata);
    await client.whoAmI({});
    await new Promise((resolve) => setTimeout(resolve, expiresAt - Date.now() + 50));
    const refused = await grpcFailure(client.whoAmI({}));
    expect([refused.code, refused.reason]).toEqual([status.UNAUTHENTICATED, "API_KEY_EXPIRED"]);
  });

  it("is refused when unknown, malformed, or with a wrong secret behind a real prefix — alike, never echoing the key", async () => {
    const owner = await createCaller(warden, { roles: ["OPERATOR"] });
    const key = await createApiKey(warden, owner, { permissions: ["flags:read"] });
    const wrongSecret = `wdn_${key.prefix}_${"A".repeat(43)}`;
    for (const presented of [wrongSecret, "wdn_zzzzzzzz_" + "B".repeat(43), "not-a-key", `${key.key}x`]) {
      const refused = await grpcFailure(warden.grpc(AuthService, { "x-api-key": presented }).whoAmI({}));
      expect([refused.code, refused.reason]).toEqual([status.UNAUTHENTICATED, "INVALID_API_KEY"]);
      expect(refused.message).not.toContain(presented.slice(0, 12));
    }
  });

  it("enforces rate_limit_per_hour with RESOURCE_EXHAUSTED and a retry delay", async () => {
    const owner = await createCaller(warden, { roles: ["OPERATOR"] });
    const key = await createApiKey(warden, owner, { permissions: ["flags:read"], rateLimitPerHour: 3 });
    const client = warden.grpc(AuthService, key.metadata);
    for (let call = 0; call < 3; call++) await client.whoAmI({});
    const limited = await grpcFailure(client.whoAmI({}));
    expect([limited.code, limited.reason]).toEqual([status.RESOURCE_EXHAUSTED, "RATE_LIMITED"]);
    expect(Number(limited.details.retryInfo?.retryDelay?.seconds ?? 0n)).toBeGreaterThan(0);
    // Another key of the same owner has its own budget.
    const other = await createApiKey(warden, owner, { permissions: ["flags:read"], rateLimitPerHour: 3 });
    await warden.grpc(AuthService, other.metadata).whoAmI({});
  });

  it("records last_used_at in memory and writes it in one batch (at the latest on shutdown), not once per call", async () => {
    const owner = await createCaller(warden, { roles: ["OPERATOR"] });
    const key = await createApiKey(warden, owner, { permissions: ["flags:read"] });
    const client = warden.grpc(AuthService, key.metadata);
    for (let call = 0; call < 5; call++) await client.whoAmI({});
    const usedAt = Date.now();
    const stored = await em().findOne(ApiKey, { id: key.apiKeyId }, { disableIdentityMap: true });
    expect(stored?.lastUsedAt ?? null).toBeNull();

    await warden.stop();
    const orm = await createOrm(database.config);
    try {
      const flushed = await orm.em.fork().findOne(ApiKey, { id: key.apiKeyId });
      expect(Math.abs((flushed?.lastUsedAt?.getTime() ?? 0) - usedAt)).toBeLessThan(2_000);
    } finally {
      await orm.close(true);
    }
    warden = await startWarden(dialect, { database, env: ENV });
    const listed = await warden.grpc(AuthService, key.metadata).whoAmI({});
    expect(listed.apiKey?.lastUsedTime).toBeDefined();
  });
});

describe("allowed_cidrs matching", () => {
  it("matches IPv4 and IPv6 networks and single addresses, and allows everything only when the list is empty", () => {
    const list = blockListOf(["10.0.0.0/8", "2001:db8::/32", "192.0.2.7", "::1"]);
    expect(isAddressAllowed(list, "10.200.3.4")).toBe(true);
    expect(isAddressAllowed(list, "11.0.0.1")).toBe(false);
    expect(isAddressAllowed(list, "2001:db8:1::5")).toBe(true);
    expect(isAddressAllowed(list, "2001:db9::1")).toBe(false);
    expect(isAddressAllowed(list, "192.0.2.7")).toBe(true);
    expect(isAddressAllowed(list, "192.0.2.8")).toBe(false);
    expect(isAddressAllowed(list, "::1")).toBe(true);
    expect(isAddressAllowed(list, undefined)).toBe(false);
    expect(isAddressAllowed(blockListOf([]), "203.0.113.9")).toBe(true);
    expect(isAddressAllowed(blockListOf(["garbage"]), "203.0.113.9")).toBe(false);
  });
});
