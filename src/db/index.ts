export * from "./access-control-catalog.js";
export { GENESIS_HASH, type AuditEntry } from "./audit-entry.js";
export { computeAuditHash } from "./audit-hash.js";
export {
  verifyAuditChain,
  type AuditChainProblem,
  type AuditChainVerification,
  type VerifyAuditChainOptions,
} from "./audit-chain-verifier.js";
export { appendAuditEvent, type AuditActor, type AuditEvent, type AuditEventInput } from "./audit-writer.js";
export * from "./entities/index.js";
export { createChangeNotifier } from "./change-notifier.js";
export type { ChangeNotifier } from "./change-notifier.js";
export { checkDatabase } from "./health.js";
export { listMigrations, migrateDown, migrateUp, type MigrationList } from "./migrator.js";
export { createOrm, isPostgres, type CreateOrmOptions, type EntityManager, type Orm } from "./orm.js";
export { postgresSslOptions } from "./postgres-ssl.js";
export { currentRevision } from "./revision.js";
export { seedAccessControl, type SeedResult } from "./seed.js";
export {
  decodePageToken,
  DEFAULT_PAGE_SIZE,
  encodePageToken,
  MAX_PAGE_SIZE,
  pageOf,
  pageSizeOf,
  type Cursor,
  type CursorValue,
  type Page,
  type PageTokenOptions,
} from "./pagination.js";
export { createUnitOfWork, type Transaction, type UnitOfWork, type WriteOptions } from "./unit-of-work.js";
