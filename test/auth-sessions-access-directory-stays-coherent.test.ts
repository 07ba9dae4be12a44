import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccessDirectory, type AccessDirectory } from "../src/auth/access-directory.js";
import { ACCESS_CHANNEL, type AccessChange } from "../src/auth/access-events.js";
import { createAccount, createAccountDependencies } from "../src/auth/index.js";
import { insertSession } from "../src/auth/repositories/session-repository.js";
import {
  createUnitOfWork,
  Role,
  RolePermission,
  Permission,
  seedAccessControl,
  Session,
  User,
  UserRole,
  type ChangeNotifier,
  type EntityManager,
} from "../src/db/index.js";
import { openTestOrm, TEST_DIALECTS, type TestOrm } from "./support/database.js";
import { strongPassword } from "./support/identities.js";

/** An in-process notifier whose "connection" the test can drop and restore. */
function controllableNotifier(): ChangeNotifier & { connected: boolean; reconnect(): void } {
  const events = new EventEmitter();
  const notifier = {
    connected: true,
    publish(channel: string, payload: string) {
      if (notifier.connected) events.emit(channel, payload);
      return Promise.resolve();
    },
    subscribe(channel: string, listener: (payload: string) => void) {
      events.on(channel, listener);
      return () => events.off(channel, listener);
    },
    onReconnect(listener: () => void) {
      events.on("reconnect", listener);
      return () => events.off("reconnect", listener);
    },
    close: () => Promise.resolve(),
    reconnect() {
      notifier.connected = true;
      events.emit("reconnect");
    },
  };
  return notifier;
}

/** Announces a change as a committed transaction would (see publishAccessChanges). */
function publishAccessChange(notifier: ChangeNotifier, change: AccessChange): Promise<void> {
  return notifier.publish(ACCESS_CHANNEL, JSON.stringify(change));
}

const WINDOW_SECONDS = 600;
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

describe.each(TEST_DIALECTS)("The access directory stays coherent with the database (%s)", (dialect) => {
  let test: TestOrm;
  let userId: string;
  const em = () => test.orm.em.fork() as EntityManager;

  async function session(revokedAgoSeconds?: number): Promise<string> {
    const id = randomUUID();
    const now = new Date();
    await insertSession(em(), {
      id,
      userId,
      tokenJti: randomUUID(),
      refreshTokenJti: randomUUID(),
      refreshTokenHash: "v1:" + "0".repeat(64),
      ip: null,
      userAgent: null,
      deviceName: null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + 86_400_000),
      refreshExpiresAt: new Date(now.getTime() + 86_400_000),
    });
    if (revokedAgoSeconds !== undefined) await revokeQuietly(id, revokedAgoSeconds);
    return id;
  }

  /** Revokes in the database without telling anyone (as when a notification is lost). */
  async function revokeQuietly(id: string, agoSeconds = 0): Promise<void> {
    await em().nativeUpdate(Session, { id }, { revokedAt: new Date(Date.now() - agoSeconds * 1000), revokedReason: "test" });
  }

  async function directory(notifier: ChangeNotifier): Promise<AccessDirectory> {
    return createAccessDirectory({ orm: test.orm, notifier, logger: pino({ level: "silent" }), revocationWindowSeconds: WINDOW_SECONDS });
  }

  beforeAll(async () => {
    test = await openTestOrm(dialect);
    await seedAccessControl(em());
    ({ userId } = await createAccount(
      await createAccountDependencies(1000),
      createUnitOfWork(em),
      { username: "dora", email: "dora@example.test", password: strongPassword(), roles: ["VIEWER"] },
      "test",
    ));
  });
  afterAll(() => test?.close());

  it("starts with the sessions revoked within the access-token window, and only those", async () => {
    const recent = await session(60);
    const old = await session(WINDOW_SECONDS + 60);
    const live = await session();
    const subject = await directory(controllableNotifier());
    try {
      expect(subject.isSessionRevoked(recent)).toBe(true);
      expect(subject.isSessionRevoked(old)).toBe(false);
      expect(subject.isSessionRevoked(live)).toBe(false);
    } finally {
      subject.close();
    }
  });

  it("learns revocations, user changes and role changes from notifications", async () => {
    const notifier = controllableNotifier();
    const subject = await directory(notifier);
    try {
      const live = await session();
      await revokeQuietly(live);
      expect(subject.isSessionRevoked(live)).toBe(false);
      await publishAccessChange(notifier, { kind: "session-revoked", id: live });
      expect(subject.isSessionRevoked(live)).toBe(true);

      expect((await subject.user(userId))?.roles).toEqual(["VIEWER"]);
      const operator = (await em().findOne(Role, { name: "OPERATOR" })) as Role;
      await em().insert(UserRole, { user: userId, role: operator.id, assignedAt: new Date() });
      expect((await subject.user(userId))?.roles).toEqual(["VIEWER"]);
      await publishAccessChange(notifier, { kind: "user", id: userId });
      const user = await subject.user(userId);
      expect(user?.roles).toEqual(["OPERATOR", "VIEWER"]);
      expect(subject.permissionsOf(user?.roles ?? []).has("settings:write")).toBe(true);

      const viewer = (await em().findOne(Role, { name: "VIEWER" })) as Role;
      const usersRead = (await em().findOne(Permission, { name: "users:read" })) as Permission;
      await em().insert(RolePermission, { role: viewer.id, permission: usersRead.id });
      expect(subject.permissionsOf(["VIEWER"]).has("users:read")).toBe(false);
      await publishAccessChange(notifier, { kind: "roles" });
      await settle();
      expect(subject.permissionsOf(["VIEWER"]).has("users:read")).toBe(true);
      await em().nativeDelete(RolePermission, { role: viewer.id, permission: usersRead.id });
      await publishAccessChange(notifier, { kind: "roles" });
      await settle();
    } finally {
      subject.close();
    }
  });

  it("reloads everything when its notifier reconnects, so changes announced meanwhile are not missed", async () => {
    const notifier = controllableNotifier();
    const subject = await directory(notifier);
    try {
      const live = await session();
      expect((await subject.user(userId))?.isActive).toBe(true);
      notifier.connected = false;
      await revokeQuietly(live);
      await em().nativeUpdate(User, { id: userId }, { isLocked: true });
      await publishAccessChange(notifier, { kind: "session-revoked", id: live });
      await publishAccessChange(notifier, { kind: "user", id: userId });
      expect(subject.isSessionRevoked(live)).toBe(false);
      expect((await subject.user(userId))?.isLocked).toBe(false);

      notifier.reconnect();
      await settle();
      expect(subject.isSessionRevoked(live)).toBe(true);
      expect((await subject.user(userId))?.isLocked).toBe(true);
    } finally {
      subject.close();
      await em().nativeUpdate(User, { id: userId }, { isLocked: false });
    }
  });
});
