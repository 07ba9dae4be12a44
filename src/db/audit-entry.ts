/** One audit row as plain data, with the ids of its actors rather than references. */
export interface AuditEntry {
  id: string;
  revision: number;
  occurredAt: Date;
  actorUserId: string | null;
  actorApiKeyId: string | null;
  actorLabel: string;
  action: string;
  resourceType: string;
  resourceId: string | null;
  environment: string | null;
  oldValue: string | null;
  newValue: string | null;
  details: Record<string, unknown> | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  prevHash: string;
  hash: string;
}

/** What the first row of the chain records as its previous hash. */
export const GENESIS_HASH = "0".repeat(64);

/** What an audit row records about its event: the fields between its place in the chain and its hashes. */
export type AuditContent = Omit<AuditEntry, "id" | "revision" | "occurredAt" | "prevHash" | "hash">;

type AuditContentSource = Pick<AuditContent, "actorLabel" | "action" | "resourceType"> & {
  readonly [K in Exclude<keyof AuditContent, "actorLabel" | "action" | "resourceType">]?: AuditContent[K] | null | undefined;
};

/** The content as stored and hashed: every field present, absent ones null. */
export function auditContentOf(source: AuditContentSource): AuditContent {
  return {
    actorUserId: source.actorUserId ?? null,
    actorApiKeyId: source.actorApiKeyId ?? null,
    actorLabel: source.actorLabel,
    action: source.action,
    resourceType: source.resourceType,
    resourceId: source.resourceId ?? null,
    environment: source.environment ?? null,
    oldValue: source.oldValue ?? null,
    newValue: source.newValue ?? null,
    details: source.details ?? null,
    ip: source.ip ?? null,
    userAgent: source.userAgent ?? null,
    requestId: source.requestId ?? null,
  };
}
