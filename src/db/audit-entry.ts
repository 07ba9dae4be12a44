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
