import { Session, type EntityManager } from "../../db/index.js";

/** Sessions as the auth use cases read and write them. */

/** Why a session ended, as stored in `sessions.revoked_reason`. */
export type SessionRevocationReason =
  | "logout"
  | "revoked_by_user"
  | "revoked_by_admin"
  | "refresh_token_reuse"
  | "password_changed"
  | "totp_changed"
  | "user_locked"
  | "user_deactivated";

export interface SessionRevocation {
  readonly reason: SessionRevocationReason;
  /** Keep this session (the caller's own, e.g. on a password change). */
  readonly exceptSessionId?: string;
  /** Revoke only this session of the user (it must belong to the user). */
  readonly onlySessionId?: string;
  /** Defaults to now. */
  readonly at?: Date;
}

/** Marks the user's live sessions (or the one named) revoked; returns the ids of those it revoked. */
export async function revokeLiveSessions(em: EntityManager, userId: string, revocation: SessionRevocation): Promise<string[]> {
  const at = em.getPlatform().processDateProperty(revocation.at ?? new Date());
  const conditions = ["user_id = ?", "revoked_at is null", "expires_at > ?"];
  const params: unknown[] = [at, revocation.reason, userId, at];
  if (revocation.exceptSessionId !== undefined) {
    conditions.push("id <> ?");
    params.push(revocation.exceptSessionId);
  }
  if (revocation.onlySessionId !== undefined) {
    conditions.push("id = ?");
    params.push(revocation.onlySessionId);
  }
  const { tableName } = em.getMetadata(Session);
  const rows = await em.execute<{ id: string }[]>(
    `update ${tableName} set revoked_at = ?, revoked_reason = ? where ${conditions.join(" and ")} returning id`,
    params,
  );
  return rows.map((row) => String(row.id));
}

export interface NewSession {
  readonly id: string;
  readonly userId: string;
  readonly tokenJti: string;
  readonly refreshTokenJti: string;
  readonly refreshTokenHash: string;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly deviceName: string | null;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly refreshExpiresAt: Date;
}

export async function insertSession(em: EntityManager, session: NewSession): Promise<void> {
  const { userId, createdAt, ...columns } = session;
  await em.insert(Session, { ...columns, user: userId, createdAt, lastUsedAt: createdAt });
}

export function findSession(em: EntityManager, id: string): Promise<Session | null> {
  return em.findOne(Session, { id }, { disableIdentityMap: true });
}

export interface RefreshRotation {
  readonly expectedHash: string;
  readonly refreshTokenHash: string;
  readonly refreshTokenJti: string;
  readonly tokenJti: string;
  readonly refreshExpiresAt: Date;
  readonly now: Date;
}

/**
 * Replaces the session's refresh token, keeping the replaced one's hash to recognise its reuse.
 * False when the token was rotated or the session revoked concurrently.
 */
export async function rotateRefreshToken(em: EntityManager, sessionId: string, rotation: RefreshRotation): Promise<boolean> {
  const updated = await em.nativeUpdate(
    Session,
    { id: sessionId, refreshTokenHash: rotation.expectedHash, revokedAt: null },
    {
      refreshTokenHash: rotation.refreshTokenHash,
      previousRefreshTokenHash: rotation.expectedHash,
      refreshTokenJti: rotation.refreshTokenJti,
      tokenJti: rotation.tokenJti,
      refreshExpiresAt: rotation.refreshExpiresAt,
      lastUsedAt: rotation.now,
    },
  );
  return updated === 1;
}

/** The user's sessions, newest first; only live ones unless `includeInactive`. */
export function listSessionsOf(em: EntityManager, userId: string, includeInactive: boolean, now: Date): Promise<Session[]> {
  return em.find(
    Session,
    includeInactive
      ? { user: userId }
      : { user: userId, revokedAt: null, expiresAt: { $gt: now }, refreshExpiresAt: { $gt: now } },
    { orderBy: { createdAt: "desc", id: "asc" }, disableIdentityMap: true },
  );
}

/** A revoked session, as the access directory holds it. */
export interface RevokedSession {
  readonly id: string;
  readonly revokedAt: Date | null;
}

/** The sessions revoked at or after `since`: whose access tokens may still be presented. */
export async function findSessionsRevokedSince(em: EntityManager, since: Date): Promise<RevokedSession[]> {
  const rows = await em.find(Session, { revokedAt: { $gte: since } }, { fields: ["id", "revokedAt"], disableIdentityMap: true });
  return rows.map((row) => ({ id: row.id, revokedAt: row.revokedAt ?? null }));
}
