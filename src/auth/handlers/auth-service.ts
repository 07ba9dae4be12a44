import type { ServiceImpl } from "@connectrpc/connect";
import type { AuthService } from "../../../gen/warden/auth/v1/auth_service_pb.js";
import type { AuthDependencies } from "../auth-dependencies.js";
import { createApiKeyHandlers } from "./api-key-handlers.js";
import { createCredentialHandlers } from "./credential-handlers.js";
import { createLoginHandlers } from "./login-handlers.js";
import { createRoleHandlers } from "./role-handlers.js";
import { createSessionHandlers } from "./session-handlers.js";
import { createUserHandlers } from "./user-handlers.js";

/** AuthService: each handler maps its request to a use case and the result back to proto. */
export function createAuthService(deps: AuthDependencies): ServiceImpl<typeof AuthService> {
  return {
    ...createLoginHandlers(deps),
    ...createSessionHandlers(deps),
    ...createCredentialHandlers(deps),
    ...createUserHandlers(deps),
    ...createRoleHandlers(deps),
    ...createApiKeyHandlers(deps),
  };
}
