import type { AuditActor, AuditEvent, Transaction } from "../../db/index.js";
import type { AccessDirectory } from "../access-directory.js";
import { publishAccessChanges } from "../access-events.js";
import { lockUserRow } from "../repositories/credential-repository.js";
import { revokeLiveSessions, type SessionRevocation } from "../repositories/session-repository.js";

/**
 * Revokes live sessions of a user within the transaction and returns their ids. Every instance
 * refuses their access tokens once the transaction commits (announced with it); this instance
 * at once, ahead of its own notification.
 */
export async function revokeSessions(
  tx: Transaction,
  directory: AccessDirectory,
  userId: string,
  revocation: SessionRevocation,
): Promise<readonly string[]> {
  const sessionIds = await revokeLiveSessions(tx.em, userId, revocation);
  await announceRevokedSessions(tx, directory, sessionIds);
  return sessionIds;
}

/** The audit row of a revocation, given the ids of the sessions it revoked. */
export interface RevocationAudit {
  readonly action: string;
  readonly resourceType: string;
  readonly resourceId: string;
  readonly details?: (sessionIds: readonly string[]) => Record<string, unknown>;
  /** "revoked": only when at least one session was revoked (a no-op leaves no row). */
  readonly when: "always" | "revoked";
}

/**
 * Revokes sessions of a user and audits it, in the caller's transaction: takes the user's row lock
 * first (user row, then sessions, then the revision counter with the audit row), revokes, appends
 * the audit row (dated `revocation.at` when given) and returns the ids revoked. Logout, session
 * revocation and credential changes all end sessions this way.
 */
export async function revokeSessionsAudited(
  tx: Transaction,
  directory: AccessDirectory,
  actor: AuditActor,
  userId: string,
  revocation: SessionRevocation,
  audit: RevocationAudit,
): Promise<readonly string[]> {
  await lockUserRow(tx.em, userId);
  const sessionIds = await revokeSessions(tx, directory, userId, revocation);
  if (audit.when === "always" || sessionIds.length > 0) {
    const event: AuditEvent = {
      action: audit.action,
      resourceType: audit.resourceType,
      resourceId: audit.resourceId,
      ...(audit.details !== undefined && { details: audit.details(sessionIds) }),
      ...(revocation.at !== undefined && { occurredAt: revocation.at }),
    };
    await tx.audit(actor, event);
  }
  return sessionIds;
}

/**
 * Revokes the session whose replaced refresh token came back, and announces it even if a
 * concurrent call revoked it first: announcing twice is harmless, missing it is not.
 */
export async function revokeReusedSession(
  tx: Transaction,
  directory: AccessDirectory,
  session: { readonly userId: string; readonly sessionId: string },
  at: Date,
): Promise<void> {
  await revokeLiveSessions(tx.em, session.userId, { onlySessionId: session.sessionId, reason: "refresh_token_reuse", at });
  await announceRevokedSessions(tx, directory, [session.sessionId]);
}

/** Announced with the transaction; this instance refuses their tokens as soon as it commits. */
async function announceRevokedSessions(tx: Transaction, directory: AccessDirectory, sessionIds: readonly string[]): Promise<void> {
  await publishAccessChanges(tx, ...sessionIds.map((id) => ({ kind: "session-revoked", id }) as const));
  tx.afterCommit(() => directory.noteRevokedSessions(sessionIds));
}
