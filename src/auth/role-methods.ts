import type { ServiceImpl } from "@connectrpc/connect";
import type { AuthService } from "../../gen/warden/auth/v1/auth_service_pb.js";
import { auditActorOf } from "../audit/index.js";
import { appendAuditEvent, Role, type EntityManager, type Permission } from "../db/index.js";
import { DomainError, invalidArgument, type FieldViolation } from "../errors/index.js";
import {
  announce,
  assertCanGrant,
  callerOf,
  entityManagerOf,
  inTransaction,
  requireRole,
  requireText,
  versionConflict,
} from "./management-checks.js";
import type { ManagementDependencies } from "./management-dependencies.js";
import { toRoleMessage } from "./proto-mappers.js";
import { loadRoleGrants } from "./role-grants.js";
import {
  countRoleHolders,
  deleteRole,
  findPermissionsByName,
  grantPermissions,
  listPermissions,
  listRolesInOrder,
  permissionNamesOfRole,
  replaceRolePermissions,
} from "./role-repository.js";
import { findRoleByName } from "./user-repository.js";

type RoleMethods = Pick<
  ServiceImpl<typeof AuthService>,
  "listRoles" | "getRole" | "createRole" | "updateRole" | "deleteRole" | "listPermissions"
>;

const ROLE_NAME = /^[A-Z][A-Z0-9_]{1,63}$/;
const MAX_DESCRIPTION_LENGTH = 1024;

/**
 * Roles and the permission catalogue. Custom roles are created, changed and deleted under
 * `roles:admin`; the system roles (ADMIN, MANAGER, OPERATOR, VIEWER) answer FAILED_PRECONDITION to
 * any change. Nobody puts into a role a permission they do not hold (permissions already in the
 * role may stay). A role still assigned to users cannot be deleted (FAILED_PRECONDITION
 * ROLE_IN_USE): revoke it from them first, each revocation audited, so deleting a role never
 * silently takes access away from anyone. Every change publishes "roles" after commit, which
 * makes every instance reload the grants (and so every holder's permissions).
 */
export function createRoleMethods(deps: ManagementDependencies): RoleMethods {
  return {
    async listRoles(_request, context) {
      const em = entityManagerOf(context);
      const [roles, grants] = await Promise.all([listRolesInOrder(em), loadRoleGrants(em)]);
      return { roles: roles.map((role) => toRoleMessage(role, grants.get(role.name) ?? [])) };
    },

    async getRole(request, context) {
      const name = requireText(request.name, "name");
      const em = entityManagerOf(context);
      const role = await requireRole(em, name);
      return { role: toRoleMessage(role, await permissionNamesOfRole(em, role.id)) };
    },

    async listPermissions(_request, context) {
      const permissions = await listPermissions(entityManagerOf(context));
      return { permissions: permissions.map(({ name, description }) => ({ name, description })) };
    },

    async createRole(request, context) {
      const caller = callerOf(context);
      const violations = [
        ...roleNameViolations(request.name),
        ...descriptionViolations(request.description),
        ...permissionListViolations(request.permissions),
      ];
      if (violations.length > 0) throw invalidArgument(violations);
      const em = entityManagerOf(context);
      const permissions = await requireKnownPermissions(em, request.permissions);
      assertCanGrant(caller, permissions.map((permission) => permission.name));
      if ((await findRoleByName(em, request.name)) !== null) throw roleAlreadyExists(request.name);

      const actor = auditActorOf(context);
      const names = permissions.map((permission) => permission.name).sort();
      const role = await inTransaction(
        em,
        async (tx) => {
          const created = tx.create(Role, { name: request.name, description: request.description, isSystem: false });
          grantPermissions(tx, created, permissions);
          await tx.flush();
          await appendAuditEvent(tx, {
            ...actor,
            action: "role.created",
            resourceType: "role",
            resourceId: created.name,
            details: { description: created.description, permissions: names },
          });
          return created;
        },
        { onUniqueViolation: () => roleAlreadyExists(request.name) },
      );
      await announce(deps.notifier, { kind: "roles" });
      return { role: toRoleMessage(role, names) };
    },

    async updateRole(request, context) {
      const caller = callerOf(context);
      const name = requireText(request.name, "name");
      const violations: FieldViolation[] = [];
      if (request.version <= 0n) violations.push({ field: "version", reason: "REQUIRED", description: "the expected version is required" });
      if (request.description !== undefined) violations.push(...descriptionViolations(request.description));
      if (request.updatePermissions) violations.push(...permissionListViolations(request.permissions));
      if (violations.length > 0) throw invalidArgument(violations);

      const em = entityManagerOf(context);
      const actor = auditActorOf(context);
      const result = await inTransaction(em, async (tx) => {
        const role = await requireRole(tx, name);
        assertNotSystem(role);
        if (BigInt(role.version) !== request.version) throw versionConflict("the role", role.version);
        const before = await permissionNamesOfRole(tx, role.id);
        let after = before;
        let permissions: Permission[] | undefined;
        if (request.updatePermissions) {
          permissions = await requireKnownPermissions(tx, request.permissions);
          after = permissions.map((permission) => permission.name).sort();
          // Only what is added must be held: permissions the role already has may stay or go.
          assertCanGrant(caller, after.filter((permission) => !before.includes(permission)));
        }
        const added = after.filter((permission) => !before.includes(permission));
        const removed = before.filter((permission) => !after.includes(permission));
        const description = request.description ?? role.description;
        if (added.length === 0 && removed.length === 0 && description === role.description) {
          return { role, permissions: before, changed: false };
        }
        await appendAuditEvent(tx, {
          ...actor,
          action: "role.updated",
          resourceType: "role",
          resourceId: role.name,
          details: {
            added,
            removed,
            ...(description !== role.description && { description: { old: role.description, new: description } }),
          },
        });
        if (permissions !== undefined && (added.length > 0 || removed.length > 0)) await replaceRolePermissions(tx, role, permissions);
        role.description = description;
        // Grants live in their own table: bump the role's version for them too.
        role.updatedAt = new Date();
        await tx.flush();
        return { role, permissions: after, changed: true };
      });
      if (result.changed) await announce(deps.notifier, { kind: "roles" });
      return { role: toRoleMessage(result.role, result.permissions) };
    },

    async deleteRole(request, context) {
      const name = requireText(request.name, "name");
      const em = entityManagerOf(context);
      const actor = auditActorOf(context);
      await inTransaction(em, async (tx) => {
        const role = await requireRole(tx, name);
        assertNotSystem(role);
        await appendAuditEvent(tx, {
          ...actor,
          action: "role.deleted",
          resourceType: "role",
          resourceId: role.name,
          details: { description: role.description, permissions: await permissionNamesOfRole(tx, role.id) },
        });
        // Counted after the revision lock (appendAuditEvent), so a concurrent AssignRole is either
        // counted here or fails on the deleted role.
        const holders = await countRoleHolders(tx, role.id);
        if (holders > 0) {
          throw new DomainError(
            "failed-precondition",
            "ROLE_IN_USE",
            `the role is assigned to ${holders} user(s); revoke it from them first`,
            { metadata: { role: role.name, users: String(holders) } },
          );
        }
        await deleteRole(tx, role);
      });
      await announce(deps.notifier, { kind: "roles" });
      return {};
    },
  };
}

function roleNameViolations(name: string): FieldViolation[] {
  if (name === "") return [{ field: "name", reason: "REQUIRED", description: "is required" }];
  if (!ROLE_NAME.test(name)) {
    return [{ field: "name", reason: "INVALID_ROLE_NAME", description: "must be 2-64 characters: an upper-case letter, then upper-case letters, digits or '_'" }];
  }
  return [];
}

function descriptionViolations(description: string): FieldViolation[] {
  return [...description].length > MAX_DESCRIPTION_LENGTH
    ? [{ field: "description", reason: "TOO_LONG", description: `must be at most ${MAX_DESCRIPTION_LENGTH} characters` }]
    : [];
}

function permissionListViolations(permissions: readonly string[]): FieldViolation[] {
  const violations: FieldViolation[] = [];
  permissions.forEach((permission, index) => {
    if (permission === "") violations.push({ field: `permissions[${index}]`, reason: "REQUIRED", description: "must not be empty" });
    else if (permissions.indexOf(permission) !== index) {
      violations.push({ field: `permissions[${index}]`, reason: "DUPLICATE", description: `"${permission}" is listed twice` });
    }
  });
  return violations;
}

/** The permission rows of the names; an unknown name answers INVALID_ARGUMENT on its field. */
async function requireKnownPermissions(em: EntityManager, names: readonly string[]): Promise<Permission[]> {
  const known = await findPermissionsByName(em, names);
  const violations = names.flatMap((name, index): FieldViolation[] =>
    known.some((permission) => permission.name === name)
      ? []
      : [{ field: `permissions[${index}]`, reason: "UNKNOWN_PERMISSION", description: `no permission "${name}"` }],
  );
  if (violations.length > 0) throw invalidArgument(violations);
  return known;
}

function assertNotSystem(role: Role): void {
  if (role.isSystem) {
    throw new DomainError("failed-precondition", "SYSTEM_ROLE_PROTECTED", "system roles cannot be changed or deleted", {
      metadata: { role: role.name },
    });
  }
}

function roleAlreadyExists(name: string): DomainError {
  return new DomainError("already-exists", "ROLE_ALREADY_EXISTS", "a role with this name already exists", { metadata: { role: name } });
}
