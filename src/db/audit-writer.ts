import { randomUUID } from "node:crypto";
import { auditContentOf, GENESIS_HASH, type AuditEntry } from "./audit-entry.js";
import { computeAuditHash } from "./audit-hash.js";
import { AuditLogEntry } from "./entities/audit-log-entry.entity.js";
import type { EntityManager } from "./orm.js";
import { takeNextRevision } from "./revision.js";

/** Who did it, from where: the fields every audit row of a call shares. */
export interface AuditActor {
  readonly actorUserId: string | null;
  readonly actorApiKeyId: string | null;
  /** Shown to people, e.g. "user:alice", "api-key:wdn_3f9a", "system". */
  readonly actorLabel: string;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly requestId: string | null;
}

/** What happened. */
export interface AuditEvent {
  /** `<resource>.<verb>`, e.g. "setting.update", "auth.login.failed". */
  readonly action: string;
  readonly resourceType: string;
  readonly resourceId?: string | null;
  readonly environment?: string | null;
  /** Stored as given: secrets must arrive as ciphertext or an HMAC. */
  readonly oldValue?: string | null;
  readonly newValue?: string | null;
  readonly details?: Record<string, unknown> | null;
  /** Defaults to now. */
  readonly occurredAt?: Date;
}

/** An event as appendAuditEvent takes it: actor fields left out are recorded as null. */
export type AuditEventInput = AuditEvent & Partial<AuditActor> & Pick<AuditActor, "actorLabel">;

/**
 * Appends one event to the audit chain, inside the caller's transaction, and returns it with the
 * revision it took. Every global revision is taken here, so each has exactly one audit row and the
 * chain is revisions 1..N without gaps. A change to a setting or flag stores the returned `revision`
 * on its row, in the same transaction (features reach this through `Transaction.audit`).
 *
 * The row is inserted at once (not left for flush), so it never depends on the caller's flush order.
 */
export async function appendAuditEvent(em: EntityManager, event: AuditEventInput): Promise<AuditEntry> {
  const revision = await takeNextRevision(em);
  const content = auditContentOf(event);
  const unhashed: Omit<AuditEntry, "hash"> = {
    id: randomUUID(),
    revision,
    occurredAt: event.occurredAt ?? new Date(),
    ...content,
    // Stored and hashed in the form it will read back in: what JSON keeps of it.
    details: content.details === null ? null : JSON.parse(JSON.stringify(content.details)),
    prevHash: await previousHash(em, revision),
  };
  const entry: AuditEntry = { ...unhashed, hash: computeAuditHash(unhashed) };
  const { actorUserId, actorApiKeyId, ...columns } = entry;
  await em.insert(AuditLogEntry, { ...columns, actorUser: actorUserId, actorApiKey: actorApiKeyId });
  return entry;
}

/**
 * The revision lock taken above serializes writers, so the previous row is committed or ours.
 * One column of one row by its unique key: a plain statement, not an entity query (which costs
 * several times the read itself in MikroORM's query building and hydration, on every write).
 */
async function previousHash(em: EntityManager, revision: number): Promise<string> {
  if (revision === 1) return GENESIS_HASH;
  const { tableName } = em.getMetadata(AuditLogEntry);
  const [previous] = await em.execute<{ hash: string }[]>(`select hash from ${tableName} where revision = ?`, [revision - 1]);
  if (previous === undefined) {
    throw new Error(`audit chain is broken: no row for revision ${revision - 1}; run VerifyAuditChain`);
  }
  return previous.hash;
}
