import { afterEach, describe, expect, it } from "vitest";
import {
  appendAuditEvent,
  computeAuditHash,
  createUnitOfWork,
  currentRevision,
  GENESIS_HASH,
  isPostgres,
  Setting,
  verifyAuditChain,
  type AuditActor,
  type AuditEntry,
  type AuditEvent,
  type AuditEventInput,
  type Orm,
} from "../src/db/index.js";
import { openTestOrm, TEST_DIALECTS, type TestOrm } from "./support/database.js";

const actor = (n: number): AuditActor => ({
  actorUserId: null,
  actorApiKeyId: null,
  actorLabel: "user:alice",
  ip: "10.0.0.1",
  userAgent: "vitest",
  requestId: `request-${n}`,
});

const event = (n: number): AuditEvent => ({
  action: "setting.update",
  resourceType: "setting",
  resourceId: `feature.limit.${n}`,
  environment: "staging",
  oldValue: String(n - 1),
  newValue: String(n),
  details: { reason: "test", nested: { zeta: [1, { y: 2, x: 1 }], alpha: null }, count: n },
});

/** The event as appendAuditEvent takes it directly. */
const eventInput = (n: number): AuditEventInput => ({ ...actor(n), ...event(n) });

/** One unit of work writing audit row `n` through its transaction, as a feature's write does. */
const appendInTransaction = (orm: Orm, n: number): Promise<AuditEntry> =>
  createUnitOfWork(() => orm.em.fork()).write((tx) => tx.audit(actor(n), event(n)));

describe.each(TEST_DIALECTS)("audit chain on %s", (dialect) => {
  let testOrm: TestOrm | undefined;
  const open = async () => (testOrm = await openTestOrm(dialect)).orm;
  afterEach(async () => {
    await testOrm?.close();
    testOrm = undefined;
  });

  it("links each appended event to the previous one", async () => {
    const orm = await open();
    const entries = await appendEvents(orm, 5);
    expect(entries.map((entry) => entry.revision)).toEqual([1, 2, 3, 4, 5]);
    expect(entries[0]?.prevHash).toBe(GENESIS_HASH);
    for (const [index, entry] of entries.entries()) {
      if (index > 0) expect(entry.prevHash).toBe(entries[index - 1]?.hash);
      expect(entry.hash).toBe(computeAuditHash(entry));
    }
    expect(await currentRevision(orm.em.fork())).toBe(5);
    expect(await verifyAuditChain(orm.em.fork())).toEqual({ ok: true, checkedCount: 5, lastRevision: 5 });
    expect(await verifyAuditChain(orm.em.fork(), { fromRevision: 3, limit: 2 })).toEqual({
      ok: true,
      checkedCount: 2,
      lastRevision: 4,
    });
  });

  it("gives the change and its audit row the same revision, and takes none back on rollback", async () => {
    const orm = await open();
    const setting = await createUnitOfWork(() => orm.em.fork()).write(async (tx) => {
      const { revision } = await tx.audit(actor(1), event(1));
      return tx.em.create(Setting, {
        key: "feature.limit",
        environment: "staging",
        valueType: "int",
        value: "1",
        revision,
        createdBy: "user:alice",
        updatedBy: "user:alice",
      });
    });
    expect(setting.revision).toBe(1);
    expect(await orm.em.fork().findOneOrFail(Setting, { key: "feature.limit" })).toMatchObject({ revision: 1 });

    await expect(
      createUnitOfWork(() => orm.em.fork()).write(async (tx) => {
        await tx.audit(actor(2), event(2));
        throw new Error("validation failed after the audit row was written");
      }),
    ).rejects.toThrow(/validation failed/);
    expect(await currentRevision(orm.em.fork())).toBe(1);
    const next = await appendInTransaction(orm, 2);
    expect(next.revision).toBe(2);
    expect(await verifyAuditChain(orm.em.fork())).toMatchObject({ ok: true, lastRevision: 2 });
  });

  it("refuses to append outside a transaction", async () => {
    const orm = await open();
    await expect(appendAuditEvent(orm.em.fork(), eventInput(1))).rejects.toThrow(/transaction/);
  });

  it("stays gap-free under 20 parallel writers", async () => {
    const orm = await open();
    const entries = await Promise.all(
      Array.from({ length: 20 }, (_, index) => appendInTransaction(orm, index + 1)),
    );
    expect(entries.map((entry) => entry.revision).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, index) => index + 1),
    );
    expect(await verifyAuditChain(orm.em.fork())).toEqual({ ok: true, checkedCount: 20, lastRevision: 20 });
  });

  it("detects an edited row", async () => {
    const orm = await open();
    await appendEvents(orm, 6);
    await withAuditTriggersDisabled(orm, (sql) =>
      sql("update settings_audit_log set new_value = 'tampered' where revision = 3"),
    );
    expect(await verifyAuditChain(orm.em.fork())).toEqual({
      ok: false,
      checkedCount: 2,
      brokenRevision: 3,
      problem: "altered",
    });
  });

  it("detects an edited row whose hash was recomputed, at the next row", async () => {
    const orm = await open();
    const entries = await appendEvents(orm, 6);
    const original = entries[3];
    if (original === undefined) throw new Error("revision 4 was not appended");
    const forged = { ...original, newValue: "tampered" };
    const forgedHash = computeAuditHash(forged);
    await withAuditTriggersDisabled(orm, (sql) =>
      sql("update settings_audit_log set new_value = ?, hash = ? where revision = 4", ["tampered", forgedHash]),
    );
    expect(await verifyAuditChain(orm.em.fork())).toEqual({
      ok: false,
      checkedCount: 4,
      brokenRevision: 5,
      problem: "unlinked",
    });
  });

  it("detects a deleted row, in the middle or at the end", async () => {
    const orm = await open();
    await appendEvents(orm, 6);
    await withAuditTriggersDisabled(orm, (sql) => sql("delete from settings_audit_log where revision = 6"));
    expect(await verifyAuditChain(orm.em.fork())).toMatchObject({ ok: false, brokenRevision: 6, problem: "missing" });
    await withAuditTriggersDisabled(orm, (sql) => sql("delete from settings_audit_log where revision = 2"));
    expect(await verifyAuditChain(orm.em.fork())).toMatchObject({ ok: false, brokenRevision: 2, problem: "missing" });
  });
});

async function appendEvents(orm: Orm, count: number): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  for (let n = 1; n <= count; n++) {
    entries.push(await appendInTransaction(orm, n));
  }
  return entries;
}

type Sql = (sql: string, params?: unknown[]) => Promise<unknown>;

/** Tampering as someone with direct database access would: switch off the triggers, edit, switch them on. */
async function withAuditTriggersDisabled(orm: Orm, tamper: (sql: Sql) => Promise<unknown>): Promise<void> {
  const em = orm.em.fork();
  const sql: Sql = (statement, params = []) => em.execute(statement, params);
  if (isPostgres(em)) {
    await sql("alter table settings_audit_log disable trigger user");
    await tamper(sql);
    await sql("alter table settings_audit_log enable trigger user");
    return;
  }
  const triggers = await em.execute<{ name: string; sql: string }[]>(
    "select name, sql from sqlite_master where type = 'trigger' and tbl_name = 'settings_audit_log'",
  );
  for (const trigger of triggers) await sql(`drop trigger ${trigger.name}`);
  await tamper(sql);
  for (const trigger of triggers) await sql(trigger.sql);
}
