import { Permission, Role, RolePermission, SYSTEM_ROLES, UserRole, type EntityManager } from "../../db/index.js";

/** Roles, their permissions and the permission catalogue, as the use cases and the access directory look them up. */

export function findRoleByName(em: EntityManager, name: string): Promise<Role | null> {
  return em.findOne(Role, { name });
}

export function findRolesByName(em: EntityManager, names: readonly string[]): Promise<Role[]> {
  if (names.length === 0) return Promise.resolve([]);
  return em.find(Role, { name: { $in: [...names] } });
}

/** System roles first, highest first (ADMIN > MANAGER > OPERATOR > VIEWER), then custom roles by name. */
export async function listRolesInOrder(em: EntityManager): Promise<Role[]> {
  const roles = await em.find(Role, {}, { orderBy: { name: "asc" } });
  const rank = (role: Role) => {
    const index = SYSTEM_ROLES.findIndex((system) => system.name === role.name);
    return role.isSystem && index !== -1 ? index : SYSTEM_ROLES.length;
  };
  return roles.sort((a, b) => rank(a) - rank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export async function permissionNamesOfRole(em: EntityManager, roleId: string): Promise<string[]> {
  const rows = await em.find(RolePermission, { role: roleId }, { populate: ["permission"] });
  return rows.map((row) => row.permission.getEntity().name).sort();
}

/** The union of the permissions of the roles. */
export async function permissionNamesOfRoles(em: EntityManager, roleIds: readonly string[]): Promise<Set<string>> {
  if (roleIds.length === 0) return new Set();
  const rows = await em.find(RolePermission, { role: { $in: [...roleIds] } }, { populate: ["permission"] });
  return new Set(rows.map((row) => row.permission.getEntity().name));
}

export function listPermissions(em: EntityManager): Promise<Permission[]> {
  return em.find(Permission, {}, { orderBy: { name: "asc" } });
}

export function findPermissionsByName(em: EntityManager, names: readonly string[]): Promise<Permission[]> {
  if (names.length === 0) return Promise.resolve([]);
  return em.find(Permission, { name: { $in: [...names] } });
}

/** Makes the role's grants exactly these (known) permissions: removes the others, adds the missing ones. */
export async function replaceRolePermissions(em: EntityManager, role: Role, permissions: readonly Permission[]): Promise<void> {
  const current = await em.find(RolePermission, { role: role.id });
  const wanted = new Set(permissions.map((permission) => permission.id));
  const held = new Set(current.map((row) => row.permission.id));
  for (const row of current) if (!wanted.has(row.permission.id)) em.remove(row);
  grantPermissions(
    em,
    role,
    permissions.filter((permission) => !held.has(permission.id)),
  );
}

/** Adds grants to a role (flushed with the unit of work), e.g. to a role just created. */
export function grantPermissions(em: EntityManager, role: Role, permissions: readonly Permission[]): void {
  // By id: the permission rows may have been loaded by another EntityManager.
  for (const permission of permissions) em.create(RolePermission, { role, permission: permission.id });
}

/** Users (active or not) holding the role. */
export async function countRoleHolders(em: EntityManager, roleId: string): Promise<number> {
  const { tableName } = em.getMetadata(UserRole);
  const [row] = await em.execute<Array<{ holders: number | string }>>(
    `select count(*) as holders from ${tableName} where role_id = ?`,
    [roleId],
  );
  return Number(row?.holders ?? 0);
}

/** Deletes the role and its grants (the caller has made sure nobody holds it). */
export async function deleteRole(em: EntityManager, role: Role): Promise<void> {
  await em.nativeDelete(RolePermission, { role: role.id });
  await em.nativeDelete(Role, { id: role.id });
}

/** Every role's permissions: a small table, loaded whole. */
export async function loadRoleGrants(em: EntityManager): Promise<Map<string, Set<string>>> {
  const grants = new Map<string, Set<string>>();
  const rows = await em.find(RolePermission, {}, { populate: ["role", "permission"] });
  for (const row of rows) {
    const role = row.role.getEntity().name;
    let permissions = grants.get(role);
    if (permissions === undefined) grants.set(role, (permissions = new Set()));
    permissions.add(row.permission.getEntity().name);
  }
  return grants;
}
