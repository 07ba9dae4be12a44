import { defineEntity, p, type InferEntity } from "@mikro-orm/core";
import { trackedChangeProperties, uuidPrimaryKey } from "./common-properties.js";

export const SETTING_VALUE_TYPES = ["string", "int", "float", "bool", "json"] as const;
export type SettingValueType = (typeof SETTING_VALUE_TYPES)[number];

/** Validation rules checked on every write; names follow the API's field names. */
export interface SettingRules {
  min?: number;
  max?: number;
  pattern?: string;
  enum?: (string | number)[];
  max_length?: number;
  json_schema?: Record<string, unknown>;
}

/**
 * A deleted setting stays as a tombstone (`deletedAt` set, `revision` of the delete) so that a watcher
 * catching up with "rows changed after revision R" sees deletions too; re-creating the key revives the row.
 */
export const Setting = defineEntity({
  name: "Setting",
  tableName: "settings",
  properties: {
    id: uuidPrimaryKey(),
    key: p.string().length(128),
    environment: p.string().length(32),
    valueType: p.enum([...SETTING_VALUE_TYPES]),
    /** Text form of the value; ciphertext when `isSecret` or `isEncrypted`. */
    value: p.text(),
    rules: p.json<SettingRules>().nullable(),
    description: p.text().default(""),
    isSecret: p.boolean().default(false),
    isEncrypted: p.boolean().default(false),
    ...trackedChangeProperties(),
  },
  uniques: [{ properties: ["key", "environment"] }],
  indexes: [{ properties: ["environment"] }, { properties: ["revision"] }],
});
export type Setting = InferEntity<typeof Setting>;
