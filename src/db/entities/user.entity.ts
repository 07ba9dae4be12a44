import { defineEntity, p, type InferEntity } from "@mikro-orm/core";
import { createdAt, updatedAt, uuidPrimaryKey } from "./common-properties.js";

export const User = defineEntity({
  name: "User",
  tableName: "users",
  properties: {
    id: uuidPrimaryKey(),
    username: p.string().length(64).unique(),
    email: p.string().length(254).unique(),
    passwordHash: p.string().length(255).hidden(),
    isActive: p.boolean().default(true),
    /** Locked by an administrator, until unlocked; distinct from the automatic `lockedUntil`. */
    isLocked: p.boolean().default(false),
    failedLoginCount: p.integer().default(0),
    lockedUntil: p.datetime().nullable(),
    /** Automatic lockouts so far; the next lockout period grows with it. */
    lockoutCount: p.integer().default(0),
    /** Ciphertext. Not `.hidden()`: with `.nullable()` MikroORM 6.6's types would make it required. */
    totpSecret: p.text().nullable(),
    totpEnabled: p.boolean().default(false),
    /** The last accepted TOTP time step; a code for the same or an earlier step is a replay. */
    totpLastUsedStep: p.bigint("number").nullable(),
    /** Hashes of the unused recovery codes. */
    recoveryCodes: p
      .json<string[]>()
      .onCreate(() => [])
      .hidden(),
    passwordChangedAt: p.datetime().onCreate(() => new Date()),
    lastLoginAt: p.datetime().nullable(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deactivatedAt: p.datetime().nullable(),
    version: p.integer().version(),
  },
  checks: [{ name: "users_email_lower_case", expression: "email = lower(email)" }],
});
export type User = InferEntity<typeof User>;
