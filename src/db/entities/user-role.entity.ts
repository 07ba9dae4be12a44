import { defineEntity, p, type InferEntity } from "@mikro-orm/core";
import { Role } from "./role.entity.js";
import { User } from "./user.entity.js";

export const UserRole = defineEntity({
  name: "UserRole",
  tableName: "user_roles",
  properties: {
    user: p.manyToOne(User).primary().deleteRule("cascade").ref(),
    role: p.manyToOne(Role).primary().deleteRule("cascade").ref(),
    assignedBy: p.manyToOne(User).nullable().deleteRule("set null").ref(),
    assignedAt: p.datetime().onCreate(() => new Date()),
  },
  primaryKeys: ["user", "role"],
  // The primary key covers lookups by user; PostgreSQL does not index foreign keys by itself.
  indexes: [{ properties: ["role"] }, { properties: ["assignedBy"] }],
});
export type UserRole = InferEntity<typeof UserRole>;
