import { createHash } from "node:crypto";
import type { AuditEntry } from "./audit-entry.js";

/** Bumped if the encoding ever changes, so old and new rows can never hash alike. */
const ENCODING_VERSION = "warden-audit-v1";

/**
 * SHA-256 (hex) of every field of the row except `hash`, `prevHash` included. The fields go into a
 * JSON array in a fixed order, which is unambiguous; `details` is encoded with sorted keys because
 * PostgreSQL's jsonb does not keep the order they were written in.
 */
export function computeAuditHash(entry: Omit<AuditEntry, "hash">): string {
  const fields = [
    ENCODING_VERSION,
    entry.id,
    String(entry.revision),
    entry.occurredAt.toISOString(),
    entry.actorUserId,
    entry.actorApiKeyId,
    entry.actorLabel,
    entry.action,
    entry.resourceType,
    entry.resourceId,
    entry.environment,
    entry.oldValue,
    entry.newValue,
    entry.details === null ? null : canonicalJson(entry.details),
    entry.ip,
    entry.userAgent,
    entry.requestId,
    entry.prevHash,
  ];
  return createHash("sha256").update(JSON.stringify(fields)).digest("hex");
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, nested: unknown) =>
    nested !== null && typeof nested === "object" && !Array.isArray(nested)
      ? Object.fromEntries(Object.entries(nested).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : nested,
  );
}
