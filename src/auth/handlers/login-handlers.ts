import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { AuthService, WhoAmIResponseSchema } from "../../../gen/warden/auth/v1/auth_service_pb.js";
import { actorOf, unitOfWorkOf, userActorOf } from "../../guards/index.js";
import type { AuthDependencies } from "../auth-dependencies.js";
import { login, logout, refresh, whoAmI, type CallerIdentity, type RefreshResult } from "../use-cases/login.js";
import { toApiKeyMessage, toUserMessage } from "./proto-mappers.js";

type LoginHandlers = Pick<ServiceImpl<typeof AuthService>, "login" | "refresh" | "logout" | "whoAmI" | "getJwks">;

export function createLoginHandlers(deps: AuthDependencies): LoginHandlers {
  return {
    async login(request, context) {
      const result = await login(deps, unitOfWorkOf(context), actorOf(context), request);
      return { ...tokensReply(result), user: toUserMessage(result.user, result.roles, result.at) };
    },
    refresh: async (request, context) => tokensReply(await refresh(deps, unitOfWorkOf(context), actorOf(context), request)),
    async logout(_request, context) {
      await logout(deps, unitOfWorkOf(context), userActorOf(context));
      return {};
    },
    whoAmI: async (_request, context) => toWhoAmIResponse(await whoAmI(unitOfWorkOf(context), actorOf(context))),
    getJwks: () => ({ jwksJson: JSON.stringify(deps.signingKeys.jwks()) }),
  };
}

/** The tokens of a new or refreshed session, as Login and Refresh answer them. */
function tokensReply(result: RefreshResult) {
  return {
    accessToken: result.accessToken.token,
    refreshToken: result.refreshToken,
    accessTokenExpiresAt: timestampFromDate(result.accessToken.expiresAt),
    sessionId: result.sessionId,
  };
}

function toWhoAmIResponse(identity: CallerIdentity): MessageInitShape<typeof WhoAmIResponseSchema> {
  const { permissions } = identity;
  switch (identity.kind) {
    case "user":
      return {
        ...(identity.user !== null && { user: toUserMessage(identity.user.user, identity.user.roles) }),
        permissions,
        sessionId: identity.sessionId,
      };
    case "api-key":
      return { ...(identity.apiKey !== null && { apiKey: toApiKeyMessage(identity.apiKey) }), permissions };
    default:
      return { permissions };
  }
}
