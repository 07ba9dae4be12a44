import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../gen/warden/auth/v1/auth_service_pb.js";
import { AuditLogEntry, User, verifyAuditChain } from "../src/db/index.js";
import { TEST_DIALECTS } from "./support/database.js";
import { grpcFailure } from "./support/grpc-failure.js";
import { createCaller, startWardenWithAdmin, strongPassword, type Caller } from "./support/identities.js";
import type { TestWarden } from "./support/warden.js";

describe.each(TEST_DIALECTS)("user and role changes are audited on %s", (dialect) => {
  let warden: TestWarden;
  let admin: Caller;
  beforeAll(async () => {
    ({ warden, admin } = await startWardenWithAdmin(dialect));
  });
  afterAll(() => warden?.stop());

  /** Calls with a fresh request id and returns it. */
  const withRequestId = async (call: (options: { metadata: Record<string, string> }) => Promise<unknown>): Promise<string> => {
    const requestId = `audit-${randomUUID()}`;
    await call({ metadata: { "x-request-id": requestId } });
    return requestId;
  };
  const auditRows = () => warden.server.orm.em.fork().find(AuditLogEntry, {}, { orderBy: { revision: "asc" } });

  it("writes one row per change with actor, address, user agent and request id, and never a secret", async () => {
    const password = strongPassword();
    let userId = "";
    const expected: Array<{ action: string; resourceType: string; requestId: string }> = [];
    const record = async (action: string, resourceType: string, call: (options: { metadata: Record<string, string> }) => Promise<unknown>) => {
      expected.push({ action, resourceType, requestId: await withRequestId(call) });
    };

    await record("user.created", "user", async (options) => {
      const { user } = await admin.auth.createUser({ username: "audited", email: "audited@example.test", password }, options);
      userId = user?.id ?? "";
    });
    await record("user.updated", "user", (options) => admin.auth.updateUser({ userId, version: 1n, email: "audited2@example.test" }, options));
    await record("user.role.assigned", "user", (options) => admin.auth.assignRole({ userId, role: "OPERATOR" }, options));
    await record("user.role.revoked", "user", (options) => admin.auth.revokeRole({ userId, role: "OPERATOR" }, options));
    await record("user.locked", "user", (options) => admin.auth.lockUser({ userId, reason: "laptop stolen" }, options));
    await record("user.unlocked", "user", (options) => admin.auth.unlockUser({ userId }, options));
    await record("user.deactivated", "user", (options) => admin.auth.deactivateUser({ userId }, options));
    await record("role.created", "role", (options) => admin.auth.createRole({ name: "AUDITED_ROLE", permissions: ["flags:read"] }, options));
    await record("role.updated", "role", (options) =>
      admin.auth.updateRole({ name: "AUDITED_ROLE", version: 1n, updatePermissions: true, permissions: ["flags:read", "flags:write"] }, options),
    );
    await record("role.deleted", "role", (options) => admin.auth.deleteRole({ name: "AUDITED_ROLE" }, options));

    const rows = await auditRows();
    for (const { action, resourceType, requestId } of expected) {
      const matching = rows.filter((row) => row.requestId === requestId);
      expect(matching.map((row) => row.action), action).toEqual([action]);
      const [row] = matching;
      expect(row).toMatchObject({
        resourceType,
        resourceId: resourceType === "user" ? userId : "AUDITED_ROLE",
        actorLabel: `user:${admin.username}`,
        ip: "127.0.0.1",
      });
      expect(row?.actorUser?.id).toBe(admin.userId);
      expect(row?.actorApiKey).toBeNull();
      expect(row?.userAgent).toContain("grpc-node-js");
    }
    const byAction = new Map(rows.map((row) => [row.action, row]));
    expect(byAction.get("user.created")?.details).toMatchObject({ username: "audited", email: "audited@example.test", roles: ["VIEWER"] });
    expect(byAction.get("user.updated")?.details).toMatchObject({ changes: { email: { old: "audited@example.test", new: "audited2@example.test" } } });
    expect(byAction.get("user.locked")?.details).toMatchObject({ reason: "laptop stolen" });
    expect(byAction.get("role.updated")?.details).toMatchObject({ added: ["flags:write"], removed: [] });

    const stored = await warden.server.orm.em.fork().findOneOrFail(User, { id: userId });
    const everything = JSON.stringify(rows);
    expect(everything).not.toContain(password);
    expect(everything).not.toContain(stored.passwordHash);
    expect(warden.logs.join("\n")).not.toContain(password);
    expect(await verifyAuditChain(warden.server.orm.em.fork())).toMatchObject({ ok: true });
  });

  it("records changes made with an API key under the key and its owner", async () => {
    const { key } = await admin.auth.createApiKey({ name: "automation", permissions: ["users:read", "users:write"] });
    const client = warden.grpc(AuthService, { "x-api-key": key });
    const requestId = `audit-${randomUUID()}`;
    const refused = await grpcFailure(
      client.createUser(
        { username: "by-key", email: "by-key@example.test", password: strongPassword() },
        { metadata: { "x-request-id": requestId } },
      ),
    );
    // A key holding only users:* cannot grant VIEWER's settings, flags and audit reads.
    expect(refused).toMatchObject({ reason: "CANNOT_GRANT_UNHELD_PERMISSIONS" });
    expect((await auditRows()).filter((row) => row.requestId === requestId)).toEqual([]);

    const { key: widerKey, apiKey: wider } = await admin.auth.createApiKey({
      name: "wider automation",
      permissions: ["users:read", "users:write", "settings:read", "flags:read", "audit:read"],
    });
    const widerClient = warden.grpc(AuthService, { "x-api-key": widerKey });
    const created = await withRequestId((options) =>
      widerClient.createUser({ username: "by-key", email: "by-key@example.test", password: strongPassword() }, options),
    );
    const [row] = (await auditRows()).filter((entry) => entry.requestId === created);
    expect(row).toMatchObject({ action: "user.created", actorLabel: `api-key:${wider?.id}(${admin.username})` });
    expect(row?.actorApiKey?.id).toBe(wider?.id);
    expect(row?.actorUser?.id).toBe(admin.userId);
    expect(JSON.stringify(await auditRows())).not.toContain(key);
  });

  it("writes nothing for refused changes and for changes that change nothing", async () => {
    const before = (await auditRows()).length;
    await grpcFailure(admin.auth.revokeRole({ userId: admin.userId, role: "ADMIN" }));
    await grpcFailure(admin.auth.createUser({ username: "weak", email: "weak@example.test", password: "weak" }));
    await admin.auth.assignRole({ userId: admin.userId, role: "ADMIN" });
    await admin.auth.unlockUser({ userId: admin.userId });
    expect((await auditRows()).length).toBe(before);
  });

  it("keeps rows pointing at a user after the user is deactivated", async () => {
    const actor = await createCaller(warden, { roles: ["MANAGER"] });
    const requestId = await withRequestId((options) =>
      actor.auth.createUser({ username: "made-by-actor", email: "made-by-actor@example.test", password: strongPassword() }, options),
    );
    await admin.auth.deactivateUser({ userId: actor.userId });
    const rows = await auditRows();
    expect(rows.find((row) => row.requestId === requestId)?.actorUser?.id).toBe(actor.userId);
    expect(
      rows.filter((row) => row.resourceId === actor.userId && row.action.startsWith("user.")).map((row) => row.action),
    ).toEqual(["user.created", "user.deactivated"]);
    expect(rows.find((row) => row.action === "user.deactivated" && row.resourceId === actor.userId)?.details).toMatchObject({
      revoked_sessions: 1,
      revoked_api_keys: [],
    });
    expect((await admin.auth.getUser({ userId: actor.userId })).user).toMatchObject({ id: actor.userId, active: false });
  });
});
