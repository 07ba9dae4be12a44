import { defineEntity, p, type InferEntity } from "@mikro-orm/core";
import { uuidPrimaryKey } from "./common-properties.js";
import { ApiKey } from "./api-key.entity.js";
import { User } from "./user.entity.js";

/**
 * The audit trail of every event, not only settings (the table keeps the seed's name). Rows are
 * written only by audit-writer.ts, never updated or deleted (database triggers refuse both), and
 * hash-chained in revision order.
 */
export const AuditLogEntry = defineEntity({
  name: "AuditLogEntry",
  tableName: "settings_audit_log",
  properties: {
    id: uuidPrimaryKey(),
    revision: p.bigint("number").unique(),
    occurredAt: p.datetime(),
    actorUser: p.manyToOne(User).nullable().deleteRule("restrict").ref(),
    actorApiKey: p.manyToOne(ApiKey).nullable().deleteRule("restrict").ref(),
    actorLabel: p.string().length(255),
    /** `<resource>.<verb>`, e.g. "setting.update", "auth.login.failed". */
    action: p.string().length(64),
    resourceType: p.string().length(32),
    /** Id or key of the resource (a setting's key, a user's id, ...). */
    resourceId: p.string().length(255).nullable(),
    environment: p.string().length(32).nullable(),
    /** Secrets appear here only as ciphertext or HMAC, as the caller provides them. */
    oldValue: p.text().nullable(),
    newValue: p.text().nullable(),
    details: p.json<Record<string, unknown>>().nullable(),
    ip: p.string().length(64).nullable(),
    userAgent: p.text().nullable(),
    requestId: p.string().length(128).nullable(),
    prevHash: p.string().length(64),
    hash: p.string().length(64),
  },
  indexes: [
    { properties: ["resourceType", "resourceId"] },
    { properties: ["actorUser"] },
    { properties: ["actorApiKey"] },
    { properties: ["occurredAt"] },
  ],
});
export type AuditLogEntry = InferEntity<typeof AuditLogEntry>;
