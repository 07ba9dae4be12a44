import { Role, type EntityManager, type Permission, type Transaction, type UnitOfWork } from "../../db/index.js";
import { DomainError, invalidArgument, type FieldViolation } from "../../errors/index.js";
import type { Actor, Caller } from "../../guards/index.js";
import { publishAccessChanges } from "../access-events.js";
import {
  requireText,
  roleDescriptionViolations,
  roleNameViolations,
  rolePermissionListViolations,
  unknownPermissionViolations,
} from "../domain/index.js";
import {
  countRoleHolders,
  deleteRole as deleteRoleAndGrants,
  findPermissionsByName,
  findRoleByName,
  grantPermissions,
  listPermissions as listPermissionCatalogue,
  listRolesInOrder,
  loadRoleGrants,
  permissionNamesOfRole,
  replaceRolePermissions,
} from "../repositories/role-repository.js";
import { assertCanGrant, assertCanRevoke, requireRole, versionConflict } from "./management-rules.js";

/**
 * Roles and the permission catalogue. Custom roles are created, changed and deleted under
 * `roles:admin`; the system roles (ADMIN, MANAGER, OPERATOR, VIEWER) answer FAILED_PRECONDITION to
 * any change. Nobody puts into a role, or takes out of one, a permission they do not hold (the
 * permissions they leave alone may be any). A role still assigned to users cannot be deleted (FAILED_PRECONDITION
 * ROLE_IN_USE): revoke it from them first, each revocation audited, so deleting a role never
 * silently takes access away from anyone. Every change announces "roles" with its commit, which
 * makes every instance reload the grants (and so every holder's permissions).
 */

export interface RoleWithPermissions {
  readonly role: Role;
  readonly permissions: readonly string[];
}

export interface NewRole {
  readonly name: string;
  readonly description: string;
  readonly permissions: readonly string[];
}

export interface RoleUpdate {
  readonly name: string;
  /** The version the caller read: required. */
  readonly version: bigint;
  /** Undefined: unchanged. */
  readonly description?: string | undefined;
  /** Whether `permissions` replaces the role's permissions. */
  readonly updatePermissions: boolean;
  readonly permissions: readonly string[];
}

export async function listRoles(uow: UnitOfWork): Promise<RoleWithPermissions[]> {
  const [roles, grants] = await Promise.all([listRolesInOrder(uow.em), loadRoleGrants(uow.em)]);
  return roles.map((role) => ({ role, permissions: [...(grants.get(role.name) ?? [])] }));
}

export async function getRole(uow: UnitOfWork, input: { readonly name: string }): Promise<RoleWithPermissions> {
  const role = await requireRole(uow.em, requireText("name", input.name));
  return { role, permissions: await permissionNamesOfRole(uow.em, role.id) };
}

export function listPermissions(uow: UnitOfWork): Promise<Permission[]> {
  return listPermissionCatalogue(uow.em);
}

export async function createRole(uow: UnitOfWork, actor: Actor<Caller>, input: NewRole): Promise<RoleWithPermissions> {
  const violations = [
    ...roleNameViolations(input.name),
    ...roleDescriptionViolations(input.description),
    ...rolePermissionListViolations(input.permissions),
  ];
  if (violations.length > 0) throw invalidArgument(violations);
  const permissions = await requireKnownPermissions(uow.em, input.permissions);
  const names = permissions.map((permission) => permission.name).sort();
  assertCanGrant(actor.principal, names);
  if ((await findRoleByName(uow.em, input.name)) !== null) throw roleAlreadyExists(input.name);

  const role = await uow.write(
    async (tx) => {
      const created = tx.em.create(Role, { name: input.name, description: input.description, isSystem: false });
      grantPermissions(tx.em, created, permissions);
      await tx.em.flush();
      await tx.audit(actor, {
        action: "role.created",
        resourceType: "role",
        resourceId: created.name,
        details: { description: created.description, permissions: names },
      });
      await publishAccessChanges(tx, { kind: "roles" });
      return created;
    },
    { onUniqueViolation: () => roleAlreadyExists(input.name) },
  );
  return { role, permissions: names };
}

export async function updateRole(uow: UnitOfWork, actor: Actor<Caller>, input: RoleUpdate): Promise<RoleWithPermissions> {
  const name = requireText("name", input.name);
  const violations: FieldViolation[] = [];
  if (input.version <= 0n) violations.push({ field: "version", reason: "REQUIRED", description: "the expected version is required" });
  if (input.description !== undefined) violations.push(...roleDescriptionViolations(input.description));
  if (input.updatePermissions) violations.push(...rolePermissionListViolations(input.permissions));
  if (violations.length > 0) throw invalidArgument(violations);

  return uow.write(async (tx) => {
    const role = await requireRole(tx.em, name);
    assertNotSystem(role);
    if (BigInt(role.version) !== input.version) throw versionConflict("the role", role.version);
    const before = await permissionNamesOfRole(tx.em, role.id);
    const permissions = input.updatePermissions ? await requireKnownPermissions(tx.em, input.permissions) : undefined;
    const after = permissions?.map((permission) => permission.name).sort() ?? before;
    const added = after.filter((permission) => !before.includes(permission));
    const removed = before.filter((permission) => !after.includes(permission));
    // What the caller could not give, the caller cannot take away either.
    assertCanGrant(actor.principal, added);
    assertCanRevoke(actor.principal, removed);
    const description = input.description ?? role.description;
    if (added.length === 0 && removed.length === 0 && description === role.description) return { role, permissions: before };

    await tx.audit(actor, {
      action: "role.updated",
      resourceType: "role",
      resourceId: role.name,
      details: {
        added,
        removed,
        ...(description !== role.description && { description: { old: role.description, new: description } }),
      },
    });
    if (permissions !== undefined && (added.length > 0 || removed.length > 0)) await replaceRolePermissions(tx.em, role, permissions);
    role.description = description;
    // Grants live in their own table: bump the role's version for them too.
    role.updatedAt = new Date();
    await tx.em.flush();
    await publishAccessChanges(tx, { kind: "roles" });
    return { role, permissions: after };
  });
}

export async function deleteRole(uow: UnitOfWork, actor: Actor<Caller>, input: { readonly name: string }): Promise<void> {
  const name = requireText("name", input.name);
  await uow.write(async (tx) => {
    const role = await requireRole(tx.em, name);
    assertNotSystem(role);
    await tx.audit(actor, {
      action: "role.deleted",
      resourceType: "role",
      resourceId: role.name,
      details: { description: role.description, permissions: await permissionNamesOfRole(tx.em, role.id) },
    });
    // Counted after the audit row took the revision lock, so a concurrent AssignRole is either
    // counted here or fails on the deleted role.
    await assertNobodyHolds(tx, role);
    await deleteRoleAndGrants(tx.em, role);
    await publishAccessChanges(tx, { kind: "roles" });
  });
}

async function assertNobodyHolds(tx: Transaction, role: Role): Promise<void> {
  const holders = await countRoleHolders(tx.em, role.id);
  if (holders > 0) {
    throw new DomainError("failed-precondition", "ROLE_IN_USE", `the role is assigned to ${holders} user(s); revoke it from them first`, {
      metadata: { role: role.name, users: String(holders) },
    });
  }
}

/** The permission rows of the names; an unknown name answers INVALID_ARGUMENT on its field. */
async function requireKnownPermissions(em: EntityManager, names: readonly string[]): Promise<Permission[]> {
  const known = await findPermissionsByName(em, names);
  const violations = unknownPermissionViolations(names, new Set(known.map((permission) => permission.name)));
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
