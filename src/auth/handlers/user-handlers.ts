import type { ServiceImpl } from "@connectrpc/connect";
import type { AuthService } from "../../../gen/warden/auth/v1/auth_service_pb.js";
import { callerActorOf, unitOfWorkOf } from "../../guards/index.js";
import type { AuthDependencies } from "../auth-dependencies.js";
import {
  assignRole,
  createUser,
  DEFAULT_ROLES,
  deactivateUser,
  getUser,
  listUsers,
  lockUser,
  revokeRole,
  unlockUser,
  updateUser,
  type UserWithRoles,
} from "../use-cases/users.js";
import { toUserMessage } from "./proto-mappers.js";

type UserHandlers = Pick<
  ServiceImpl<typeof AuthService>,
  "createUser" | "getUser" | "listUsers" | "updateUser" | "deactivateUser" | "lockUser" | "unlockUser" | "assignRole" | "revokeRole"
>;

export function createUserHandlers(deps: AuthDependencies): UserHandlers {
  return {
    async createUser(request, context) {
      const roles = request.roles.length === 0 ? DEFAULT_ROLES : request.roles;
      return userReply(await createUser(deps, unitOfWorkOf(context), callerActorOf(context), { ...request, roles }));
    },
    getUser: async (request, context) => userReply(await getUser(unitOfWorkOf(context), request)),
    async listUsers(request, context) {
      const { users, nextPageToken } = await listUsers(unitOfWorkOf(context), request);
      return { users: users.map(({ user, roles }) => toUserMessage(user, roles)), nextPageToken };
    },
    updateUser: async (request, context) => userReply(await updateUser(unitOfWorkOf(context), callerActorOf(context), request)),
    deactivateUser: async (request, context) =>
      userReply(await deactivateUser(deps, unitOfWorkOf(context), callerActorOf(context), request)),
    lockUser: async (request, context) => userReply(await lockUser(deps, unitOfWorkOf(context), callerActorOf(context), request)),
    unlockUser: async (request, context) => userReply(await unlockUser(unitOfWorkOf(context), callerActorOf(context), request)),
    assignRole: async (request, context) => userReply(await assignRole(unitOfWorkOf(context), callerActorOf(context), request)),
    revokeRole: async (request, context) => userReply(await revokeRole(unitOfWorkOf(context), callerActorOf(context), request)),
  };
}

function userReply({ user, roles }: UserWithRoles) {
  return { user: toUserMessage(user, roles) };
}
