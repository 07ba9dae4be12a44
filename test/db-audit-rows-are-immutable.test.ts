import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUnitOfWork, User, type EntityManager } from "../src/db/index.js";
import { openTestOrm, TEST_DIALECTS, type TestOrm } from "./support/database.js";

describe.each(TEST_DIALECTS)("audit rows on %s", (dialect) => {
  let testOrm: TestOrm;
  let auditedUserId: string;

  beforeAll(async () => {
    testOrm = await openTestOrm(dialect);
    auditedUserId = await createUser(testOrm.orm.em.fork(), "audited");
    await createUnitOfWork(() => testOrm.orm.em.fork()).write((tx) =>
      tx.audit(
        { actorUserId: auditedUserId, actorApiKeyId: null, actorLabel: "user:audited", ip: null, userAgent: null, requestId: null },
        { action: "user.create", resourceType: "user", resourceId: auditedUserId },
      ),
    );
  });
  afterAll(() => testOrm.close());

  const execute = (sql: string, params: unknown[] = []) => testOrm.orm.em.fork().execute(sql, params);

  it("cannot be updated", async () => {
    await expect(execute("update settings_audit_log set action = 'user.delete'")).rejects.toThrow(/immutable/);
    await expect(execute("update settings_audit_log set hash = ?", ["0".repeat(64)])).rejects.toThrow(/immutable/);
  });

  it("cannot be deleted", async () => {
    await expect(execute("delete from settings_audit_log")).rejects.toThrow(/immutable/);
    const [row] = await execute("select count(*) as count from settings_audit_log");
    expect(Number(row?.["count"])).toBe(1);
  });

  it.runIf(dialect === "postgres")("cannot be truncated", async () => {
    await expect(execute("truncate settings_audit_log")).rejects.toThrow(/immutable/);
  });

  it("keep their actor from being deleted", async () => {
    await expect(execute("delete from users where id = ?", [auditedUserId])).rejects.toThrow(/foreign key/i);
    const unauditedUserId = await createUser(testOrm.orm.em.fork(), "unaudited");
    await execute("delete from users where id = ?", [unauditedUserId]);
    const remaining = await execute("select username from users order by username");
    expect(remaining).toEqual([{ username: "audited" }]);
  });
});

async function createUser(em: EntityManager, username: string): Promise<string> {
  const user = em.create(User, { username, email: `${username}@example.com`, passwordHash: "not-a-real-hash" });
  await em.flush();
  return user.id;
}
