import type { HandlerContext } from "@connectrpc/connect";
import {
  ForeignKeyConstraintViolationException,
  OptimisticLockError,
  UniqueConstraintViolationException,
} from "@mikro-orm/core";
import type { ChangeNotifier, EntityManager, Role } from "../db/index.js";
import { DomainError, invalidArgument } from "../errors/index.js";
import { entityManagerKey, principalKey, type ApiKeyPrincipal, type UserPrincipal } from "../guards/index.js";
import { publishAccessChange, type AccessChange } from "./access-events.js";
import { ungrantablePermissions } from "./domain/index.js";
import { findRoleByName } from "./user-repository.js";

/** Rules and plumbing shared by the user, role and API key management methods. */

export type Caller = UserPrincipal | ApiKeyPrincipal;

/** The call's unit of work (the guard forks it from the SQL ORM, so it is a SQL EntityManager). */
export function entityManagerOf(context: HandlerContext): EntityManager {
  return context.values.get(entityManagerKey)() as EntityManager;
}

/** The authenticated caller; the authorize guard already refused anonymous calls to these methods. */
export function callerOf(context: HandlerContext): Caller {
  const principal = context.values.get(principalKey);
  if (principal.kind === "anonymous") throw new DomainError("unauthenticated", "UNAUTHENTICATED", "credentials required");
  return principal;
}

export function userCallerOf(context: HandlerContext): UserPrincipal {
  const caller = callerOf(context);
  if (caller.kind !== "user") {
    throw new DomainError("permission-denied", "USER_SESSION_REQUIRED", "this method requires a user session, not an API key");
  }
  return caller;
}

/** Nobody grants (to a user, a role or an API key) a permission they do not hold themselves. */
export function assertCanGrant(caller: Caller, requested: Iterable<string>): void {
  const missing = ungrantablePermissions(caller.permissions, requested);
  if (missing.length > 0) {
    throw new DomainError("permission-denied", "CANNOT_GRANT_UNHELD_PERMISSIONS", "cannot grant permissions you do not hold", {
      metadata: { permissions: missing.join(",") },
    });
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A resource id from a request. Checked before any query: PostgreSQL refuses a malformed uuid with
 * an error that would otherwise surface as INTERNAL.
 */
export function requireId(value: string, field: string): string {
  if (value === "") throw invalidArgument([{ field, reason: "REQUIRED", description: "is required" }]);
  if (!UUID.test(value)) throw invalidArgument([{ field, reason: "INVALID_ID", description: "is not a valid id" }]);
  return value.toLowerCase();
}

export function requireText(value: string, field: string): string {
  if (value.trim() === "") throw invalidArgument([{ field, reason: "REQUIRED", description: "is required" }]);
  return value;
}

/** The role of the name, or NOT_FOUND. */
export async function requireRole(em: EntityManager, name: string): Promise<Role> {
  const role = await findRoleByName(em, name);
  if (role === null) throw new DomainError("not-found", "ROLE_NOT_FOUND", "role not found", { metadata: { role: name } });
  return role;
}

/** An update's expected version did not match: ABORTED (AIP-154), with the current version to retry from. */
export function versionConflict(what: string, current: number): DomainError {
  return new DomainError("version-conflict", "VERSION_MISMATCH", `${what} was changed by someone else; reload it and retry`, {
    metadata: { current_version: String(current) },
  });
}

export interface TransactionOptions {
  /** The domain error for a unique constraint the pre-checks could not rule out (a concurrent insert). */
  readonly onUniqueViolation?: () => DomainError;
}

/**
 * Runs one change and its audit row in one transaction. What a concurrent writer can still cause
 * after the pre-checks (an optimistic-lock miss, a row deleted under us, a duplicate inserted at the
 * same moment) answers ABORTED or ALREADY_EXISTS, never INTERNAL.
 */
export async function inTransaction<T>(
  em: EntityManager,
  work: (tx: EntityManager) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  try {
    return await em.transactional(work);
  } catch (error) {
    if (error instanceof OptimisticLockError) {
      throw new DomainError("version-conflict", "CONCURRENT_CHANGE", "changed concurrently; reload and retry");
    }
    if (error instanceof UniqueConstraintViolationException) {
      throw options.onUniqueViolation?.() ??
        new DomainError("version-conflict", "CONCURRENT_CHANGE", "changed concurrently; reload and retry");
    }
    if (error instanceof ForeignKeyConstraintViolationException) {
      throw new DomainError("version-conflict", "CONCURRENT_CHANGE", "a referenced resource changed concurrently; retry");
    }
    throw error;
  }
}

/**
 * Tells every instance, after the change committed, which cached access data to drop. A failed
 * publish does not fail the call: the change is committed, and an instance that lost its
 * notification connection reloads everything when it reconnects (ChangeNotifier.onReconnect).
 */
export async function announce(notifier: ChangeNotifier, ...changes: AccessChange[]): Promise<void> {
  for (const change of changes) {
    await publishAccessChange(notifier, change).catch(() => undefined);
  }
}
