import type { EntityManager } from "./orm.js";

/**
 * Hands out the next global revision. The UPDATE keeps the counter row locked until the caller's
 * transaction ends, so writers queue here and revisions commit gap-free and in order (a rollback
 * gives its number back). Only appendAuditEvent calls this, so that every revision has an audit row.
 */
export async function takeNextRevision(em: EntityManager): Promise<number> {
  if (!em.isInTransaction()) throw new Error("takeNextRevision must run inside the caller's transaction");
  const [row] = await em.execute<{ value: number | string }[]>(
    "update revision_counter set value = value + 1 where id = 1 returning value",
  );
  if (row === undefined) throw new Error("revision_counter has no row: run the migrations first");
  return Number(row.value);
}

/** The last committed revision (0 before the first change). */
export async function currentRevision(em: EntityManager): Promise<number> {
  const [row] = await em.execute<{ value: number | string }[]>("select value from revision_counter where id = 1");
  if (row === undefined) throw new Error("revision_counter has no row: run the migrations first");
  return Number(row.value);
}
