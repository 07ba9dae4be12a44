import { randomUUID } from "node:crypto";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../gen/warden/auth/v1/auth_service_pb.js";
import { parseApiKey } from "../src/crypto/index.js";
import { ApiKey, AuditLogEntry } from "../src/db/index.js";
import { TEST_DIALECTS } from "./support/database.js";
import { grpcFailure } from "./support/grpc-failure.js";
import { createApiKey, createCaller, startWardenWithAdmin, type Caller } from "./support/identities.js";
import type { TestWarden } from "./support/warden.js";

describe.each(TEST_DIALECTS)("API keys on %s", (dialect) => {
  let warden: TestWarden;
  let admin: Caller;
  let manager: Caller;
  beforeAll(async () => {
    ({ warden, admin } = await startWardenWithAdmin(dialect));
    manager = await createCaller(warden, { roles: ["MANAGER"] });
  });
  afterAll(() => warden?.stop());

  it("returns the full key once; afterwards only its prefix exists anywhere", async () => {
    const response = await manager.auth.createApiKey({
      name: "deploy bot",
      permissions: ["settings:read", "flags:read", "settings:read"],
      allowedCidrs: ["127.0.0.1", "10.0.0.0/8", "2001:DB8::/32", "::1"],
      rateLimitPerHour: 500,
      expireTime: timestampFromDate(new Date(Date.now() + 3_600_000)),
    });
    const parts = parseApiKey(response.key);
    expect(parts).toBeDefined();
    const secret = parts?.secret ?? "";
    expect(response.apiKey).toMatchObject({
      name: "deploy bot",
      prefix: parts?.prefix,
      permissions: ["flags:read", "settings:read"],
      allowedCidrs: ["127.0.0.1/32", "10.0.0.0/8", "2001:db8::/32", "::1/128"],
      rateLimitPerHour: 500,
      ownerUserId: manager.userId,
    });
    expect(response.apiKey?.expireTime).toBeDefined();

    const { apiKeys } = await manager.auth.listApiKeys({});
    const listed = apiKeys.find((key) => key.id === response.apiKey?.id);
    expect(listed).toMatchObject({ prefix: parts?.prefix, name: "deploy bot" });
    expect(JSON.stringify(apiKeys, (_key, value: unknown) => (typeof value === "bigint" ? String(value) : value))).not.toContain(secret);

    const em = warden.server.orm.em.fork();
    const row = await em.findOneOrFail(ApiKey, { id: response.apiKey?.id ?? "" });
    expect(row.keyHash).toMatch(/^v\d+:[0-9a-f]{64}$/);
    expect(row.keyHash).not.toContain(secret);
    const audit = await em.find(AuditLogEntry, { resourceType: "api_key", resourceId: row.id });
    expect(audit.map((entry) => entry.action)).toEqual(["api_key.created"]);
    expect(JSON.stringify(audit)).not.toContain(secret);
    expect(JSON.stringify(audit)).not.toContain(row.keyHash);
    expect(warden.logs.join("\n")).not.toContain(secret);
  });

  it("authenticates with the permissions it lists and nothing more", async () => {
    const key = await createApiKey(warden, admin, { permissions: ["roles:read"] });
    const client = warden.grpc(AuthService, key.metadata);
    await expect(client.listRoles({})).resolves.toBeDefined();
    expect(await grpcFailure(client.listUsers({}))).toMatchObject({ code: Code.PermissionDenied });
    expect((await client.whoAmI({})).permissions).toEqual(["roles:read"]);
  });

  it("can hold only permissions its owner holds, each known, at least one", async () => {
    const denied = await grpcFailure(manager.auth.createApiKey({ name: "too much", permissions: ["settings:read", "settings:admin", "roles:admin"] }));
    expect(denied).toMatchObject({
      code: Code.PermissionDenied,
      reason: "CANNOT_GRANT_UNHELD_PERMISSIONS",
      metadata: { permissions: "roles:admin,settings:admin" },
    });
    expect(await grpcFailure(manager.auth.createApiKey({ name: "unknown", permissions: ["settings:read", "settings:fly"] }))).toMatchObject({
      code: Code.InvalidArgument,
      violations: ["permissions[1]: UNKNOWN_PERMISSION"],
    });
    expect(await grpcFailure(manager.auth.createApiKey({ name: "none", permissions: [] }))).toMatchObject({
      code: Code.InvalidArgument,
      violations: ["permissions: REQUIRED"],
    });
  });

  it("validates name, networks, rate limit and expiry together", async () => {
    const failure = await grpcFailure(
      manager.auth.createApiKey({
        name: " ",
        permissions: ["flags:read"],
        allowedCidrs: ["10.0.0.0/33", "not-an-ip", "fe80::1%eth0/64", "10.0.0.0/8/8", "::/129", "192.168.1.0/24"],
        rateLimitPerHour: -1,
        expireTime: timestampFromDate(new Date(Date.now() - 1000)),
      }),
    );
    expect(failure.code).toBe(Code.InvalidArgument);
    expect(failure.violations).toEqual([
      "name: REQUIRED",
      "allowed_cidrs[0]: INVALID_CIDR",
      "allowed_cidrs[1]: INVALID_CIDR",
      "allowed_cidrs[2]: INVALID_CIDR",
      "allowed_cidrs[3]: INVALID_CIDR",
      "allowed_cidrs[4]: INVALID_CIDR",
      "rate_limit_per_hour: NEGATIVE",
      "expire_time: NOT_IN_FUTURE",
    ]);
    const { apiKey } = await manager.auth.createApiKey({ name: "no limits", permissions: ["flags:read"], rateLimitPerHour: 0 });
    expect(apiKey).toMatchObject({ rateLimitPerHour: 0, allowedCidrs: [] });
    expect(apiKey?.expireTime).toBeUndefined();
  });

  it("is refused to a source outside its networks", async () => {
    const key = await createApiKey(warden, manager, { permissions: ["flags:read"], allowedCidrs: ["192.0.2.0/24", "2001:db8::/32"] });
    expect(await grpcFailure(warden.grpc(AuthService, key.metadata).whoAmI({}))).toMatchObject({ code: Code.PermissionDenied });
    const local = await createApiKey(warden, manager, { permissions: ["flags:read"], allowedCidrs: ["127.0.0.0/8", "::1/128"] });
    await expect(warden.grpc(AuthService, local.metadata).whoAmI({})).resolves.toBeDefined();
  });

  it("cannot create, list or revoke keys with a key", async () => {
    const key = await createApiKey(warden, admin, { permissions: ["users:admin"] });
    const client = warden.grpc(AuthService, key.metadata);
    for (const call of [() => client.createApiKey({ name: "child", permissions: ["users:admin"] }), () => client.listApiKeys({}), () => client.revokeApiKey({ apiKeyId: key.apiKeyId })]) {
      expect(await grpcFailure(call())).toMatchObject({ code: Code.PermissionDenied, reason: "USER_SESSION_REQUIRED" });
    }
  });

  it("is revoked by its owner and refused from then on; listing hides it unless asked", async () => {
    const key = await createApiKey(warden, manager, { permissions: ["flags:read"] });
    const client = warden.grpc(AuthService, key.metadata);
    await expect(client.whoAmI({})).resolves.toBeDefined();

    const { apiKey } = await manager.auth.revokeApiKey({ apiKeyId: key.apiKeyId });
    expect(apiKey?.revokeTime).toBeDefined();
    expect(await grpcFailure(client.whoAmI({}))).toMatchObject({ code: Code.Unauthenticated });
    // Revoking again changes nothing.
    expect((await manager.auth.revokeApiKey({ apiKeyId: key.apiKeyId })).apiKey?.revokeTime).toEqual(apiKey?.revokeTime);

    expect((await manager.auth.listApiKeys({})).apiKeys.map((listed) => listed.id)).not.toContain(key.apiKeyId);
    expect((await manager.auth.listApiKeys({ includeInactive: true })).apiKeys.map((listed) => listed.id)).toContain(key.apiKeyId);
  });

  it("lists only the caller's own keys", async () => {
    const mine = await createApiKey(warden, admin, { permissions: ["flags:read"] });
    const listed = (await manager.auth.listApiKeys({ includeInactive: true })).apiKeys;
    expect(listed.map((key) => key.id)).not.toContain(mine.apiKeyId);
    expect(listed.every((key) => key.ownerUserId === manager.userId)).toBe(true);
  });

  it("answers PERMISSION_DENIED alike for someone else's key and a missing one; users:admin may revoke any", async () => {
    const othersKey = await createApiKey(warden, admin, { permissions: ["flags:read"] });
    const foreign = await grpcFailure(manager.auth.revokeApiKey({ apiKeyId: othersKey.apiKeyId }));
    const missing = await grpcFailure(manager.auth.revokeApiKey({ apiKeyId: randomUUID() }));
    expect(foreign).toMatchObject({ code: Code.PermissionDenied, reason: "PERMISSION_DENIED" });
    expect(missing).toMatchObject({ code: foreign.code, reason: foreign.reason, message: foreign.message });
    await expect(warden.grpc(AuthService, othersKey.metadata).whoAmI({})).resolves.toBeDefined();

    const managersKey = await createApiKey(warden, manager, { permissions: ["flags:read"] });
    const { apiKey } = await admin.auth.revokeApiKey({ apiKeyId: managersKey.apiKeyId });
    expect(apiKey).toMatchObject({ ownerUserId: manager.userId });
    expect(await grpcFailure(warden.grpc(AuthService, managersKey.metadata).whoAmI({}))).toMatchObject({ code: Code.Unauthenticated });
    expect(await grpcFailure(admin.auth.revokeApiKey({ apiKeyId: randomUUID() }))).toMatchObject({ code: Code.NotFound, reason: "API_KEY_NOT_FOUND" });
    expect(await grpcFailure(admin.auth.revokeApiKey({ apiKeyId: "not-a-uuid" }))).toMatchObject({ code: Code.InvalidArgument });

    const audit = await warden.server.orm.em.fork().find(AuditLogEntry, { action: "api_key.revoked", resourceId: managersKey.apiKeyId });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorLabel: `user:${admin.username}`, details: { owner_user_id: manager.userId } });
  });
});
