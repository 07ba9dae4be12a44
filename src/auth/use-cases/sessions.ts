import type { Session, UnitOfWork } from "../../db/index.js";
import { DomainError } from "../../errors/index.js";
import type { Actor, Caller, UserPrincipal } from "../../guards/index.js";
import type { AuthDependencies } from "../auth-dependencies.js";
import { requireId } from "../domain/index.js";
import { findSession, listSessionsOf, type SessionRevocation } from "../repositories/session-repository.js";
import { requireManageableUser } from "./management-rules.js";
import { revokeSessionsAudited } from "./session-revocation.js";

/** Users list and revoke their own sessions; `users:admin` (checked by the guard) anyone's. */

type SessionDependencies = Pick<AuthDependencies, "directory">;

export interface SessionList {
  readonly sessions: Session[];
  /** The caller's own session, to mark in the listing (none for an API key). */
  readonly currentSessionId: string | undefined;
}

export async function listSessions(
  uow: UnitOfWork,
  actor: Actor<UserPrincipal>,
  input: { readonly includeInactive: boolean },
): Promise<SessionList> {
  const { userId, sessionId } = actor.principal;
  return { sessions: await listSessionsOf(uow.em, userId, input.includeInactive, new Date()), currentSessionId: sessionId };
}

/** Revokes one of the caller's own sessions; revoking a revoked one changes nothing. */
export async function revokeSession(
  deps: SessionDependencies,
  uow: UnitOfWork,
  actor: Actor<UserPrincipal>,
  input: { readonly sessionId: string },
): Promise<void> {
  const { userId } = actor.principal;
  const sessionId = requireId("session_id", input.sessionId);
  const session = await requireSessionOf(uow, userId, sessionId);
  if (session.revokedAt == null) await revoke(deps, uow, actor, userId, { onlySessionId: sessionId, reason: "revoked_by_user" });
}

/** Revokes every session of the caller but the current one; returns how many. */
export function revokeOtherSessions(deps: SessionDependencies, uow: UnitOfWork, actor: Actor<UserPrincipal>): Promise<number> {
  const { userId, sessionId } = actor.principal;
  return revoke(deps, uow, actor, userId, { exceptSessionId: sessionId, reason: "revoked_by_user" });
}

export async function listUserSessions(
  uow: UnitOfWork,
  actor: Actor<Caller>,
  input: { readonly userId: string; readonly includeInactive: boolean },
): Promise<SessionList> {
  const userId = requireId("user_id", input.userId);
  await requireManageableUser(uow.em, actor.principal, userId);
  const sessions = await listSessionsOf(uow.em, userId, input.includeInactive, new Date());
  return { sessions, currentSessionId: actor.principal.kind === "user" ? actor.principal.sessionId : undefined };
}

/** Revokes one session of a user (`session_id`), or all of them when none is named; returns how many. */
export async function revokeUserSessions(
  deps: SessionDependencies,
  uow: UnitOfWork,
  actor: Actor<Caller>,
  input: { readonly userId: string; readonly sessionId: string },
): Promise<number> {
  const userId = requireId("user_id", input.userId);
  await requireManageableUser(uow.em, actor.principal, userId);
  if (input.sessionId.trim() === "") return revoke(deps, uow, actor, userId, { reason: "revoked_by_admin" });
  const sessionId = requireId("session_id", input.sessionId);
  const session = await requireSessionOf(uow, userId, sessionId);
  if (session.revokedAt != null) return 0;
  return revoke(deps, uow, actor, userId, { onlySessionId: sessionId, reason: "revoked_by_admin" });
}

/** Revokes in one transaction with its audit row (when anything was revoked); returns how many. */
async function revoke(
  deps: SessionDependencies,
  uow: UnitOfWork,
  actor: Actor,
  userId: string,
  revocation: SessionRevocation,
): Promise<number> {
  const revoked = await uow.write((tx) =>
    revokeSessionsAudited(tx, deps.directory, actor, userId, revocation, {
      action: "auth.session.revoked",
      resourceType: "user",
      resourceId: userId,
      details: (sessionIds) => ({ sessionIds: [...sessionIds], reason: revocation.reason }),
      when: "revoked",
    }),
  );
  return revoked.length;
}

/** The session, if it belongs to the user; otherwise NOT_FOUND, whoever's it is. */
async function requireSessionOf(uow: UnitOfWork, userId: string, sessionId: string): Promise<Session> {
  const session = await findSession(uow.em, sessionId);
  if (session === null || session.user.id !== userId) {
    throw new DomainError("not-found", "SESSION_NOT_FOUND", "no such session", { metadata: { session_id: sessionId } });
  }
  return session;
}
