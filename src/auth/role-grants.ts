import { RolePermission, type EntityManager } from "../db/index.js";

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
