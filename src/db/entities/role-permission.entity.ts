import { defineEntity, p, type InferEntity } from "@mikro-orm/core";
import { Permission } from "./permission.entity.js";
import { Role } from "./role.entity.js";

export const RolePermission = defineEntity({
  name: "RolePermission",
  tableName: "role_permissions",
  properties: {
    role: p.manyToOne(Role).primary().deleteRule("cascade").ref(),
    permission: p.manyToOne(Permission).primary().deleteRule("cascade").ref(),
  },
  primaryKeys: ["role", "permission"],
  // The primary key covers lookups by role; PostgreSQL does not index foreign keys by itself.
  indexes: [{ properties: ["permission"] }],
});
export type RolePermission = InferEntity<typeof RolePermission>;
