import type { ChangeNotifier } from "../db/change-notifier.js";
import type { EntityManager } from "../db/index.js";
import { publishAccessChange } from "./access-events.js";

/** Why a session ended, as stored in `sessions.revoked_reason`. */
export type SessionRevocationReason =
  | "logout"
  | "revoked_by_user"
  | "revoked_by_admin"
  | "refresh_token_reuse"
  | "password_changed"
  | "totp_changed"
  | "user_locked"
  | "user_deactivated"
  | (string & {});

export interface RevokeUserSessionsOptions {
  /** Keep this session (the caller's own, e.g. on a password change). */
  readonly exceptSessionId?: string;
  /** Revoke only this session of the user (it must belong to the user). */
  readonly onlySessionId?: string;
  readonly reason: SessionRevocationReason;
  /** Defaults to now. */
  readonly at?: Date;
}

/**
 * Sessions revoked inside a transaction. The other instances (and this one) learn of them only
 * when `publish()` is called, which must happen AFTER the transaction committed — announced
 * earlier, an instance could reload nothing yet; announced for a rolled-back transaction, it
 * would refuse sessions that are still valid.
 */
export interface RevokedSessions {
  readonly count: number;
  readonly sessionIds: readonly string[];
  /** Announces every revoked session to every instance; never throws (see below). */
  publish(): Promise<void>;
}

/**
 * Revokes the live sessions of a user, in the caller's transaction:
 *
 *   const revoked = await em.transactional(async (tx) => {
 *     ... change the user, append the audit event ...
 *     return revokeUserSessions(tx, notifier, userId, { reason: "user_deactivated" });
 *   });
 *   await revoked.publish();
 *
 * A revoked session's access tokens are refused on every instance once published (each instance
 * keeps revoked session ids in memory). If publishing fails (notifier connection down), the
 * instances reload revoked sessions from the database when their notifier reconnects.
 */
export async function revokeUserSessions(
  em: EntityManager,
  notifier: ChangeNotifier,
  userId: string,
  options: RevokeUserSessionsOptions,
): Promise<RevokedSessions> {
  const at = options.at ?? new Date();
  const platform = em.getPlatform();
  const conditions = ["user_id = ?", "revoked_at is null", "expires_at > ?"];
  const params: unknown[] = [platform.processDateProperty(at), options.reason, userId, platform.processDateProperty(at)];
  if (options.exceptSessionId !== undefined) {
    conditions.push("id <> ?");
    params.push(options.exceptSessionId);
  }
  if (options.onlySessionId !== undefined) {
    conditions.push("id = ?");
    params.push(options.onlySessionId);
  }
  const rows = await em.execute<{ id: string }[]>(
    `update sessions set revoked_at = ?, revoked_reason = ? where ${conditions.join(" and ")} returning id`,
    params,
  );
  const sessionIds = rows.map((row) => String(row.id));
  return revokedSessions(notifier, sessionIds);
}

/** The result of revoking `sessionIds` (already updated by the caller): publish after commit. */
export function revokedSessions(notifier: ChangeNotifier, sessionIds: readonly string[]): RevokedSessions {
  return {
    count: sessionIds.length,
    sessionIds,
    async publish() {
      await Promise.all(
        sessionIds.map((id) => publishAccessChange(notifier, { kind: "session-revoked", id }).catch(() => undefined)),
      );
    },
  };
}
