import type { ServiceImpl } from "@connectrpc/connect";
import type { AuthService } from "../../../gen/warden/auth/v1/auth_service_pb.js";
import { callerActorOf, unitOfWorkOf, userActorOf } from "../../guards/index.js";
import type { AuthDependencies } from "../auth-dependencies.js";
import {
  listSessions,
  listUserSessions,
  revokeOtherSessions,
  revokeSession,
  revokeUserSessions,
  type SessionList,
} from "../use-cases/sessions.js";
import { toSessionMessage } from "./proto-mappers.js";

type SessionHandlers = Pick<
  ServiceImpl<typeof AuthService>,
  "listSessions" | "revokeSession" | "revokeOtherSessions" | "listUserSessions" | "revokeUserSessions"
>;

/** Users list and revoke their own sessions; `users:admin` (checked by the guard) anyone's. */
export function createSessionHandlers(deps: AuthDependencies): SessionHandlers {
  return {
    listSessions: async (request, context) => sessionsReply(await listSessions(unitOfWorkOf(context), userActorOf(context), request)),
    async revokeSession(request, context) {
      await revokeSession(deps, unitOfWorkOf(context), userActorOf(context), request);
      return {};
    },
    revokeOtherSessions: async (_request, context) => ({
      revokedCount: await revokeOtherSessions(deps, unitOfWorkOf(context), userActorOf(context)),
    }),
    listUserSessions: async (request, context) =>
      sessionsReply(await listUserSessions(unitOfWorkOf(context), callerActorOf(context), request)),
    revokeUserSessions: async (request, context) => ({
      revokedCount: await revokeUserSessions(deps, unitOfWorkOf(context), callerActorOf(context), request),
    }),
  };
}

function sessionsReply({ sessions, currentSessionId }: SessionList) {
  return { sessions: sessions.map((session) => toSessionMessage(session, currentSessionId)) };
}
