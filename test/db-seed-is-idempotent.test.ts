import { afterEach, describe, expect, it } from "vitest";
import {
  Permission,
  PERMISSIONS,
  Role,
  RolePermission,
  seedAccessControl,
  SYSTEM_ROLE_PERMISSIONS,
  SYSTEM_ROLES,
  type Orm,
} from "../src/db/index.js";
import { openTestOrm, TEST_DIALECTS, type TestOrm } from "./support/database.js";

const EXPECTED_GRANT_COUNT = Object.values(SYSTEM_ROLE_PERMISSIONS).reduce((sum, names) => sum + names.length, 0);

describe.each(TEST_DIALECTS)("seed on %s", (dialect) => {
  let testOrm: TestOrm | undefined;
  afterEach(async () => {
    await testOrm?.close();
    testOrm = undefined;
  });

  it("creates 13 permissions, 4 system roles and exactly the designed grants", async () => {
    testOrm = await openTestOrm(dialect);
    const result = await seedAccessControl(testOrm.orm.em.fork());
    expect(result).toEqual({ permissionsCreated: 13, rolesCreated: 4, grantsCreated: EXPECTED_GRANT_COUNT });
    expect(PERMISSIONS).toHaveLength(13);
    expect(await grantsByRole(testOrm.orm)).toEqual(sortedDesignGrants());
    const roles = await testOrm.orm.em.fork().find(Role, {}, { orderBy: { name: "asc" } });
    expect(roles.map((role) => [role.name, role.isSystem])).toEqual(
      SYSTEM_ROLES.map((role) => [role.name, true]).sort(),
    );
  });

  it("changes nothing when run again", async () => {
    testOrm = await openTestOrm(dialect);
    await seedAccessControl(testOrm.orm.em.fork());
    const again = await seedAccessControl(testOrm.orm.em.fork());
    expect(again).toEqual({ permissionsCreated: 0, rolesCreated: 0, grantsCreated: 0 });
    expect(await testOrm.orm.em.fork().count(Permission)).toBe(13);
    expect(await testOrm.orm.em.fork().count(Role)).toBe(4);
    expect(await grantsByRole(testOrm.orm)).toEqual(sortedDesignGrants());
  });

  it("keeps a custom grant and restores a removed system grant", async () => {
    testOrm = await openTestOrm(dialect);
    await seedAccessControl(testOrm.orm.em.fork());
    const em = testOrm.orm.em.fork();
    const manager = await em.findOneOrFail(Role, { name: "MANAGER" });
    const viewer = await em.findOneOrFail(Role, { name: "VIEWER" });
    const usersAdmin = await em.findOneOrFail(Permission, { name: "users:admin" });
    const auditRead = await em.findOneOrFail(Permission, { name: "audit:read" });
    em.create(RolePermission, { role: manager, permission: usersAdmin });
    await em.flush();
    await em.nativeDelete(RolePermission, { role: viewer, permission: auditRead });

    expect(await seedAccessControl(testOrm.orm.em.fork())).toEqual({
      permissionsCreated: 0,
      rolesCreated: 0,
      grantsCreated: 1,
    });
    const grants = await grantsByRole(testOrm.orm);
    expect(grants["MANAGER"]).toEqual([...SYSTEM_ROLE_PERMISSIONS.MANAGER, "users:admin"].sort());
    expect(grants["VIEWER"]).toEqual([...SYSTEM_ROLE_PERMISSIONS.VIEWER].sort());
  });

  it.runIf(dialect === "postgres")("is safe when several instances seed at once", async () => {
    testOrm = await openTestOrm(dialect);
    const { orm } = testOrm;
    const results = await Promise.all(Array.from({ length: 4 }, () => seedAccessControl(orm.em.fork())));
    expect(results.reduce((sum, result) => sum + result.permissionsCreated, 0)).toBe(13);
    expect(results.reduce((sum, result) => sum + result.rolesCreated, 0)).toBe(4);
    expect(results.reduce((sum, result) => sum + result.grantsCreated, 0)).toBe(EXPECTED_GRANT_COUNT);
    expect(await orm.em.fork().count(Permission)).toBe(13);
    expect(await orm.em.fork().count(Role)).toBe(4);
    expect(await grantsByRole(orm)).toEqual(sortedDesignGrants());
  });
});

async function grantsByRole(orm: Orm): Promise<Record<string, string[]>> {
  const grants = await orm.em.fork().find(RolePermission, {}, { populate: ["role", "permission"] });
  const byRole: Record<string, string[]> = {};
  for (const grant of grants) {
    (byRole[grant.role.getEntity().name] ??= []).push(grant.permission.getEntity().name);
  }
  return Object.fromEntries(Object.entries(byRole).map(([role, names]) => [role, names.sort()]));
}

function sortedDesignGrants(): Record<string, string[]> {
  return Object.fromEntries(Object.entries(SYSTEM_ROLE_PERMISSIONS).map(([role, names]) => [role, [...names].sort()]));
}
