import { Session, type EntityManager } from "../db/index.js";

/** Sessions as the auth handlers read and write them. */

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

/** A session is live until revoked, past its absolute lifetime, or past its refresh expiry. */
export function isLive(session: Session, now: Date): boolean {
  return (
    session.revokedAt == null &&
    session.expiresAt.getTime() > now.getTime() &&
    session.refreshExpiresAt.getTime() > now.getTime()
  );
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
