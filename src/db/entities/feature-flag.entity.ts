import { defineEntity, p, type InferEntity } from "@mikro-orm/core";
import { trackedChangeProperties, uuidPrimaryKey } from "./common-properties.js";

/** Deleted flags stay as tombstones, for the same reason as settings (see setting.entity.ts). */
export const FeatureFlag = defineEntity({
  name: "FeatureFlag",
  tableName: "feature_flags",
  properties: {
    id: uuidPrimaryKey(),
    name: p.string().length(128),
    environment: p.string().length(32),
    enabled: p.boolean().default(false),
    /** 0-100 with two decimals. */
    percentage: p.decimal("number").precision(5).scale(2).default(0),
    targetUsers: p.json<string[]>().onCreate(() => []),
    targetRoles: p.json<string[]>().onCreate(() => []),
    description: p.text().default(""),
    ...trackedChangeProperties(),
  },
  uniques: [{ properties: ["name", "environment"] }],
  indexes: [{ properties: ["environment"] }, { properties: ["revision"] }],
  checks: [{ name: "feature_flags_percentage_range", expression: "percentage >= 0 and percentage <= 100" }],
});
export type FeatureFlag = InferEntity<typeof FeatureFlag>;
