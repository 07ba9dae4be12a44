import { auditContentOf, GENESIS_HASH, type AuditEntry } from "./audit-entry.js";
import { computeAuditHash } from "./audit-hash.js";
import { AuditLogEntry } from "./entities/audit-log-entry.entity.js";
import type { EntityManager } from "./orm.js";
import { currentRevision } from "./revision.js";

export interface VerifyAuditChainOptions {
  /** First revision to check (default 1); its predecessor's stored hash is trusted as the link. */
  fromRevision?: number;
  /** Most rows to check; without it the chain is checked up to the current revision. */
  limit?: number;
}

/**
 * - missing: no row for the revision (deleted, or never written);
 * - altered: the row's contents do not match its hash;
 * - unlinked: the row's prev_hash is not the previous row's hash (that row was altered and re-hashed).
 */
export type AuditChainProblem = "missing" | "altered" | "unlinked";

export type AuditChainVerification =
  | { ok: true; checkedCount: number; lastRevision: number }
  | { ok: false; checkedCount: number; brokenRevision: number; problem: AuditChainProblem };

const BATCH_SIZE = 500;

export async function verifyAuditChain(
  em: EntityManager,
  options: VerifyAuditChainOptions = {},
): Promise<AuditChainVerification> {
  const fromRevision = Math.max(1, options.fromRevision ?? 1);
  const lastRevision = Math.min(
    await currentRevision(em),
    options.limit === undefined ? Number.MAX_SAFE_INTEGER : fromRevision + options.limit - 1,
  );
  let expectedPrevHash = GENESIS_HASH;
  if (fromRevision > 1) {
    const previous = await readEntries(em, fromRevision - 1, 1);
    if (previous[0]?.revision !== fromRevision - 1) {
      return { ok: false, checkedCount: 0, brokenRevision: fromRevision - 1, problem: "missing" };
    }
    expectedPrevHash = previous[0].hash;
  }

  let expectedRevision = fromRevision;
  while (expectedRevision <= lastRevision) {
    const batch = await readEntries(em, expectedRevision, Math.min(BATCH_SIZE, lastRevision - expectedRevision + 1));
    if (batch.length === 0) return broken(expectedRevision, "missing");
    for (const entry of batch) {
      if (entry.revision !== expectedRevision) return broken(expectedRevision, "missing");
      if (entry.prevHash !== expectedPrevHash) return broken(expectedRevision, "unlinked");
      if (computeAuditHash(entry) !== entry.hash) return broken(expectedRevision, "altered");
      expectedPrevHash = entry.hash;
      expectedRevision++;
    }
  }
  return { ok: true, checkedCount: expectedRevision - fromRevision, lastRevision: expectedRevision - 1 };

  function broken(revision: number, problem: AuditChainProblem): AuditChainVerification {
    return { ok: false, checkedCount: revision - fromRevision, brokenRevision: revision, problem };
  }
}

async function readEntries(em: EntityManager, fromRevision: number, count: number): Promise<AuditEntry[]> {
  const rows = await em.find(
    AuditLogEntry,
    { revision: { $gte: fromRevision } },
    { orderBy: { revision: "asc" }, limit: count, disableIdentityMap: true },
  );
  return rows.map((row) => ({
    id: row.id,
    revision: row.revision,
    occurredAt: row.occurredAt,
    ...auditContentOf({ ...row, actorUserId: row.actorUser?.id, actorApiKeyId: row.actorApiKey?.id }),
    prevHash: row.prevHash,
    hash: row.hash,
  }));
}
