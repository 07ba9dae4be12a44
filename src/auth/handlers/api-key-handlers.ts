import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { AuthService } from "../../../gen/warden/auth/v1/auth_service_pb.js";
import { unitOfWorkOf, userActorOf } from "../../guards/index.js";
import type { AuthDependencies } from "../auth-dependencies.js";
import { createApiKey, listApiKeys, revokeApiKey } from "../use-cases/api-keys.js";
import { toApiKeyMessage } from "./proto-mappers.js";

type ApiKeyHandlers = Pick<ServiceImpl<typeof AuthService>, "createApiKey" | "listApiKeys" | "revokeApiKey">;

/** API keys are a user session's own: every method needs one (the proto marks them user_session_only). */
export function createApiKeyHandlers(deps: AuthDependencies): ApiKeyHandlers {
  return {
    async createApiKey(request, context) {
      const actor = userActorOf(context);
      const expiresAt = request.expireTime === undefined ? undefined : timestampDate(request.expireTime);
      const { apiKey, key } = await createApiKey(deps, unitOfWorkOf(context), actor, { ...request, expiresAt });
      return { apiKey: toApiKeyMessage(apiKey), key };
    },
    async listApiKeys(request, context) {
      const keys = await listApiKeys(unitOfWorkOf(context), userActorOf(context), request);
      return { apiKeys: keys.map((key) => toApiKeyMessage(key)) };
    },
    revokeApiKey: async (request, context) =>
      ({ apiKey: toApiKeyMessage(await revokeApiKey(unitOfWorkOf(context), userActorOf(context), request)) }),
  };
}
