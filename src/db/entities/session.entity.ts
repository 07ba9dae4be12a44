import { defineEntity, p, type InferEntity } from "@mikro-orm/core";
import { createdAt, uuidPrimaryKey } from "./common-properties.js";
import { User } from "./user.entity.js";

/** One row per login; refresh rotates the tokens in place, so the row lives as long as the login. */
export const Session = defineEntity({
  name: "Session",
  tableName: "sessions",
  properties: {
    id: uuidPrimaryKey(),
    user: p.manyToOne(User).deleteRule("cascade").ref(),
    /** `jti` of the latest access token issued for this session. */
    tokenJti: p.string().length(64).unique(),
    refreshTokenJti: p.string().length(64).unique(),
    refreshTokenHash: p.string().length(128).hidden(),
    /**
     * The refresh token this one replaced: seeing it again means a stolen token is being replayed.
     * Not `.hidden()`: with `.nullable()` MikroORM 6.6's types would make it required.
     */
    previousRefreshTokenHash: p.string().length(128).nullable(),
    ip: p.string().length(64).nullable(),
    userAgent: p.text().nullable(),
    deviceName: p.string().length(128).nullable(),
    createdAt: createdAt(),
    lastUsedAt: p.datetime().onCreate(() => new Date()),
    /** Absolute end of the session, however often it is refreshed. */
    expiresAt: p.datetime(),
    refreshExpiresAt: p.datetime(),
    revokedAt: p.datetime().nullable(),
    revokedReason: p.string().length(64).nullable(),
  },
  indexes: [{ properties: ["user"] }, { properties: ["revokedAt"] }, { properties: ["expiresAt"] }],
});
export type Session = InferEntity<typeof Session>;
