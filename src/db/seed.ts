import { randomUUID } from "node:crypto";
import { PERMISSIONS, SYSTEM_ROLE_PERMISSIONS, SYSTEM_ROLES } from "./access-control-catalog.js";
import { Permission } from "./entities/permission.entity.js";
import { RolePermission } from "./entities/role-permission.entity.js";
import { Role } from "./entities/role.entity.js";
import type { EntityManager } from "./orm.js";
import { createUnitOfWork } from "./unit-of-work.js";

const READ_ONLY = { disableIdentityMap: true } as const;

export interface SeedResult {
  permissionsCreated: number;
  rolesCreated: number;
  grantsCreated: number;
}

/**
 * Creates the base permissions, the system roles and their grants where missing; never updates or
 * removes anything, so custom grants and edited descriptions survive. Runs at every start: inserts
 * are ON CONFLICT DO NOTHING, in a fixed order, so instances seeding at once neither fail nor deadlock.
 */
export async function seedAccessControl(em: EntityManager): Promise<SeedResult> {
  return createUnitOfWork(() => em).write(async ({ em: tx }) => {
    const now = new Date();
    const permissionsCreated = await tx
      .createQueryBuilder(Permission)
      .insert(PERMISSIONS.map(({ name, description }) => ({ id: randomUUID(), name, description })))
      .onConflict("name")
      .ignore()
      .execute("run");
    const rolesCreated = await tx
      .createQueryBuilder(Role)
      .insert(
        SYSTEM_ROLES.map(({ name, description }) => ({
          id: randomUUID(),
          name,
          description,
          isSystem: true,
          createdAt: now,
          updatedAt: now,
        })),
      )
      .onConflict("name")
      .ignore()
      .execute("run");

    const permissionIds = idsByName(
      await tx.find(Permission, { name: { $in: PERMISSIONS.map((permission) => permission.name) } }, READ_ONLY),
    );
    const roleIds = idsByName(await tx.find(Role, { name: { $in: SYSTEM_ROLES.map((role) => role.name) } }, READ_ONLY));
    const grants = SYSTEM_ROLES.flatMap(({ name: roleName }) =>
      SYSTEM_ROLE_PERMISSIONS[roleName].map((permissionName) => ({
        role: requireId(roleIds, roleName),
        permission: requireId(permissionIds, permissionName),
      })),
    );
    const grantsCreated = await tx
      .createQueryBuilder(RolePermission)
      .insert(grants)
      .onConflict(["role", "permission"])
      .ignore()
      .execute("run");

    return {
      permissionsCreated: permissionsCreated.affectedRows,
      rolesCreated: rolesCreated.affectedRows,
      grantsCreated: grantsCreated.affectedRows,
    };
  });
}

function idsByName(rows: { id: string; name: string }[]): Map<string, string> {
  return new Map(rows.map((row) => [row.name, row.id]));
}

function requireId(ids: Map<string, string>, name: string): string {
  const id = ids.get(name);
  if (id === undefined) throw new Error(`seed: ${name} is missing after its insert`);
  return id;
}
