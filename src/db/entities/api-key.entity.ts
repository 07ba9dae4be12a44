import { defineEntity, p, type InferEntity } from "@mikro-orm/core";
import { createdAt, uuidPrimaryKey } from "./common-properties.js";
import { User } from "./user.entity.js";

export const ApiKey = defineEntity({
  name: "ApiKey",
  tableName: "api_keys",
  properties: {
    id: uuidPrimaryKey(),
    /** The owner: the key never holds a permission the owner lacks. */
    user: p.manyToOne(User).deleteRule("cascade").ref(),
    name: p.string().length(128),
    /** The `<prefix>` of `wdn_<prefix>_<secret>`: finds the row and is shown in listings. */
    prefix: p.string().length(32).unique(),
    /** Keyed hash of the whole key. */
    keyHash: p.string().length(128).hidden(),
    permissions: p.json<string[]>().onCreate(() => []),
    /** Empty means any source address. */
    allowedCidrs: p.json<string[]>().onCreate(() => []),
    rateLimitPerHour: p.integer().nullable(),
    expiresAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
    lastUsedAt: p.datetime().nullable(),
    createdAt: createdAt(),
  },
  indexes: [{ properties: ["user"] }],
  checks: [
    { name: "api_keys_rate_limit_positive", expression: "rate_limit_per_hour is null or rate_limit_per_hour > 0" },
  ],
});
export type ApiKey = InferEntity<typeof ApiKey>;
