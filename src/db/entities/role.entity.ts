import { defineEntity, p, type InferEntity } from "@mikro-orm/core";
import { createdAt, updatedAt, uuidPrimaryKey } from "./common-properties.js";

export const Role = defineEntity({
  name: "Role",
  tableName: "roles",
  properties: {
    id: uuidPrimaryKey(),
    name: p.string().length(64).unique(),
    description: p.text().default(""),
    /** Seeded roles (ADMIN, MANAGER, OPERATOR, VIEWER): they cannot be renamed or deleted. */
    isSystem: p.boolean().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    version: p.integer().version(),
  },
});
export type Role = InferEntity<typeof Role>;
