import type { ServiceImpl } from "@connectrpc/connect";
import type { AuthService } from "../../../gen/warden/auth/v1/auth_service_pb.js";
import { callerActorOf, unitOfWorkOf, userActorOf } from "../../guards/index.js";
import type { AuthDependencies } from "../auth-dependencies.js";
import { changePassword, confirmTotp, disableTotp, enrollTotp, resetUserTotp } from "../use-cases/credentials.js";

type CredentialHandlers = Pick<
  ServiceImpl<typeof AuthService>,
  "changePassword" | "enrollTotp" | "confirmTotp" | "disableTotp" | "resetUserTotp"
>;

/** A user's own credentials (password, TOTP), and the administrator's TOTP reset. */
export function createCredentialHandlers(deps: AuthDependencies): CredentialHandlers {
  return {
    changePassword: async (request, context) => ({
      revokedSessions: await changePassword(deps, unitOfWorkOf(context), userActorOf(context), request),
    }),
    async enrollTotp(request, context) {
      const { secret, otpauthUri } = await enrollTotp(deps, unitOfWorkOf(context), userActorOf(context), request);
      return { secret, otpauthUri };
    },
    confirmTotp: async (request, context) => ({
      recoveryCodes: await confirmTotp(deps, unitOfWorkOf(context), userActorOf(context), request),
    }),
    async disableTotp(request, context) {
      await disableTotp(deps, unitOfWorkOf(context), userActorOf(context), request);
      return {};
    },
    async resetUserTotp(request, context) {
      await resetUserTotp(deps, unitOfWorkOf(context), callerActorOf(context), request);
      return {};
    },
  };
}
