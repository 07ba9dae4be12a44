import type { ServiceImpl } from "@connectrpc/connect";
import type { AuthService } from "../../../gen/warden/auth/v1/auth_service_pb.js";
import { callerActorOf, unitOfWorkOf } from "../../guards/index.js";
import type { AuthDependencies } from "../auth-dependencies.js";
import {
  createRole,
  deleteRole,
  getRole,
  listPermissions,
  listRoles,
  updateRole,
  type RoleWithPermissions,
} from "../use-cases/roles.js";
import { toPermissionMessage, toRoleMessage } from "./proto-mappers.js";

type RoleHandlers = Pick<
  ServiceImpl<typeof AuthService>,
  "listRoles" | "getRole" | "createRole" | "updateRole" | "deleteRole" | "listPermissions"
>;

export function createRoleHandlers(_deps: AuthDependencies): RoleHandlers {
  return {
    async listRoles(_request, context) {
      const roles = await listRoles(unitOfWorkOf(context));
      return { roles: roles.map(({ role, permissions }) => toRoleMessage(role, permissions)) };
    },
    getRole: async (request, context) => roleReply(await getRole(unitOfWorkOf(context), request)),
    async listPermissions(_request, context) {
      const permissions = await listPermissions(unitOfWorkOf(context));
      return { permissions: permissions.map((permission) => toPermissionMessage(permission)) };
    },
    createRole: async (request, context) => roleReply(await createRole(unitOfWorkOf(context), callerActorOf(context), request)),
    updateRole: async (request, context) => roleReply(await updateRole(unitOfWorkOf(context), callerActorOf(context), request)),
    async deleteRole(request, context) {
      await deleteRole(unitOfWorkOf(context), callerActorOf(context), request);
      return {};
    },
  };
}

function roleReply({ role, permissions }: RoleWithPermissions) {
  return { role: toRoleMessage(role, permissions) };
}
