import {
  DeadlockException,
  ForeignKeyConstraintViolationException,
  LockWaitTimeoutException,
  OptimisticLockError,
  UniqueConstraintViolationException,
} from "@mikro-orm/core";
import { DomainError } from "../errors/index.js";
import type { AuditEntry } from "./audit-entry.js";
import { appendAuditEvent, type AuditActor, type AuditEvent } from "./audit-writer.js";
import type { ChangeNotifier } from "./change-notifier.js";
import { isPostgres, type EntityManager } from "./orm.js";

/** One write in progress: its EntityManager, its audit rows and what it announces. */
export interface Transaction {
  readonly em: EntityManager;
  /**
   * Appends an audit row now. It takes the global revision lock, which serializes writers: a check
   * that must see every committed change runs after it.
   */
  audit(actor: AuditActor, event: AuditEvent): Promise<AuditEntry>;
  /**
   * Tells every instance about the change once it commits, never if it rolls back. On PostgreSQL
   * this is `pg_notify` inside the transaction (delivered exactly at commit, so a crash between
   * commit and announcement loses nothing); elsewhere it is sent in-process after commit.
   */
  publish(channel: string, payload: string): Promise<void>;
  /** Runs `action` in this process after commit (e.g. to update a local cache at once). */
  afterCommit(action: () => void): void;
}

export interface WriteOptions {
  /** The domain error for a unique constraint the pre-checks could not rule out (a concurrent insert). */
  readonly onUniqueViolation?: () => DomainError;
}

/**
 * The unit of work of one call (or one command): reads through `em`, and every change through
 * `write`, the only place a transaction is opened.
 */
export interface UnitOfWork {
  /** For reads; forked on first use, so calls that never touch the database pay nothing. */
  readonly em: EntityManager;
  /**
   * Runs `work` in one transaction. What a concurrent writer can still cause after the
   * pre-checks (an optimistic-lock miss, a duplicate inserted at the same moment, a referenced
   * row deleted under us) answers ABORTED or ALREADY_EXISTS, never INTERNAL.
   */
  write<T>(work: (tx: Transaction) => Promise<T>, options?: WriteOptions): Promise<T>;
}

/**
 * `fork` gives the EntityManager of this unit of work (called at most once). `notifier` carries
 * the announcements where the database cannot (SQLite, one process); a command running in a
 * process of its own may leave it out.
 */
export function createUnitOfWork(fork: () => EntityManager, notifier?: ChangeNotifier): UnitOfWork {
  let em: EntityManager | undefined;
  const forked = (): EntityManager => (em ??= fork());
  return {
    get em() {
      return forked();
    },
    async write(work, options = {}) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await runOnce(forked(), work, notifier);
        } catch (error) {
          // The database chose this transaction as a deadlock's (or a serialization conflict's)
          // victim and rolled it back: running it again is what it asks for.
          if (error instanceof DeadlockException && attempt < MAX_ATTEMPTS) continue;
          throw translateWriteError(error, options);
        }
      }
    },
  };
}

/** Attempts of a transaction the database aborted as a deadlock victim, before answering ABORTED. */
const MAX_ATTEMPTS = 3;

async function runOnce<T>(root: EntityManager, work: (tx: Transaction) => Promise<T>, notifier: ChangeNotifier | undefined): Promise<T> {
  const announceInTransaction = isPostgres(root);
  const announcements: Array<[channel: string, payload: string]> = [];
  const localActions: Array<() => void> = [];
  const result = await root.transactional((em) =>
    work({
      em,
      audit: (actor, event) => appendAuditEvent(em, { ...actor, ...event }),
      async publish(channel, payload) {
        if (announceInTransaction) await em.execute("select pg_notify(?, ?)", [channel, payload]);
        else announcements.push([channel, payload]);
      },
      afterCommit: (action) => void localActions.push(action),
    }),
  );
  for (const action of localActions) action();
  for (const [channel, payload] of announcements) {
    // Committed either way; a failed in-process announcement has no one to tell.
    await notifier?.publish(channel, payload).catch(() => undefined);
  }
  return result;
}

function translateWriteError(error: unknown, options: WriteOptions): unknown {
  if (error instanceof DeadlockException || error instanceof LockWaitTimeoutException) {
    return new DomainError("version-conflict", "CONCURRENT_CHANGE", "conflicted with concurrent changes; retry");
  }
  if (error instanceof OptimisticLockError) {
    return new DomainError("version-conflict", "CONCURRENT_CHANGE", "changed concurrently; reload and retry");
  }
  if (error instanceof UniqueConstraintViolationException) {
    return options.onUniqueViolation?.() ?? new DomainError("version-conflict", "CONCURRENT_CHANGE", "changed concurrently; reload and retry");
  }
  if (error instanceof ForeignKeyConstraintViolationException) {
    return new DomainError("version-conflict", "CONCURRENT_CHANGE", "a referenced resource changed concurrently; retry");
  }
  return error;
}
