import { defineEntity, p, type InferEntity } from "@mikro-orm/core";
import { uuidPrimaryKey } from "./common-properties.js";

export const Permission = defineEntity({
  name: "Permission",
  tableName: "permissions",
  properties: {
    id: uuidPrimaryKey(),
    /** `<resource>:<action>`, e.g. "settings:read". */
    name: p.string().length(64).unique(),
    description: p.text().default(""),
  },
});
export type Permission = InferEntity<typeof Permission>;
