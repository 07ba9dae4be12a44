import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { AuthService } from "../../gen/warden/auth/v1/auth_service_pb.js";
import { auditActorOf } from "../audit/index.js";
import { appendAuditEvent } from "../db/index.js";
import { DomainError } from "../errors/index.js";
import { principalKey } from "../guards/index.js";
import type { AuthRuntime } from "./auth-runtime.js";
import { callingUser, entityManagerOf, requireId } from "./call-context.js";
import { toSessionMessage } from "./proto-mappers.js";
import { revokeUserSessions, type RevokeUserSessionsOptions } from "./session-revocation.js";
import { lockUserRow } from "./credential-store.js";
import { findSession, listSessionsOf } from "./session-store.js";
import { findUserById } from "./user-repository.js";

type SessionMethods = Pick<
  ServiceImpl<typeof AuthService>,
  "listSessions" | "revokeSession" | "revokeOtherSessions" | "listUserSessions" | "revokeUserSessions"
>;

/** Users list and revoke their own sessions; `users:admin` (checked by the guard) anyone's. */
export function createSessionMethods(rt: AuthRuntime): SessionMethods {
  const { notifier, directory } = rt;

  /** Revokes in one transaction with its audit row, then tells every instance. */
  const revoke = async (
    context: HandlerContext,
    userId: string,
    options: RevokeUserSessionsOptions,
  ): Promise<number> => {
    const revoked = await entityManagerOf(context).transactional(async (tx) => {
      await lockUserRow(tx, userId);
      const revoked = await revokeUserSessions(tx, notifier, userId, options);
      if (revoked.count > 0) {
        await appendAuditEvent(tx, {
          ...auditActorOf(context),
          action: "auth.session.revoked",
          resourceType: "user",
          resourceId: userId,
          details: { sessionIds: [...revoked.sessionIds], reason: options.reason },
        });
      }
      return revoked;
    });
    directory.noteRevokedSessions(revoked.sessionIds);
    await revoked.publish();
    return revoked.count;
  };

  /** The current session of the caller, to mark in listings (none for an API key). */
  const currentSessionOf = (context: HandlerContext): string | undefined => {
    const principal = context.values.get(principalKey);
    return principal.kind === "user" ? principal.sessionId : undefined;
  };

  const requireUser = async (context: HandlerContext, userId: string): Promise<void> => {
    if ((await findUserById(entityManagerOf(context), userId)) === null) {
      throw new DomainError("not-found", "USER_NOT_FOUND", "no such user", { metadata: { user_id: userId } });
    }
  };

  /** The session, if it belongs to the user; otherwise NOT_FOUND, whoever's it is. */
  const requireSessionOf = async (context: HandlerContext, userId: string, sessionId: string) => {
    const session = await findSession(entityManagerOf(context), sessionId);
    if (session === null || session.user.id !== userId) {
      throw new DomainError("not-found", "SESSION_NOT_FOUND", "no such session", { metadata: { session_id: sessionId } });
    }
    return session;
  };

  return {
    async listSessions(request, context) {
      const caller = callingUser(context);
      const sessions = await listSessionsOf(entityManagerOf(context), caller.userId, request.includeInactive, new Date());
      return { sessions: sessions.map((session) => toSessionMessage(session, caller.sessionId)) };
    },

    async revokeSession(request, context) {
      const caller = callingUser(context);
      const sessionId = requireId("session_id", request.sessionId);
      const session = await requireSessionOf(context, caller.userId, sessionId);
      if (session.revokedAt == null) {
        await revoke(context, caller.userId, { onlySessionId: sessionId, reason: "revoked_by_user" });
      }
      return {};
    },

    async revokeOtherSessions(_request, context) {
      const caller = callingUser(context);
      const revokedCount = await revoke(context, caller.userId, {
        exceptSessionId: caller.sessionId,
        reason: "revoked_by_user",
      });
      return { revokedCount };
    },

    async listUserSessions(request, context) {
      const userId = requireId("user_id", request.userId);
      await requireUser(context, userId);
      const sessions = await listSessionsOf(entityManagerOf(context), userId, request.includeInactive, new Date());
      const current = currentSessionOf(context);
      return { sessions: sessions.map((session) => toSessionMessage(session, current)) };
    },

    async revokeUserSessions(request, context) {
      const userId = requireId("user_id", request.userId);
      await requireUser(context, userId);
      if (request.sessionId.trim() === "") {
        return { revokedCount: await revoke(context, userId, { reason: "revoked_by_admin" }) };
      }
      const sessionId = requireId("session_id", request.sessionId);
      const session = await requireSessionOf(context, userId, sessionId);
      if (session.revokedAt != null) return { revokedCount: 0 };
      return { revokedCount: await revoke(context, userId, { onlySessionId: sessionId, reason: "revoked_by_admin" }) };
    },
  };
}
