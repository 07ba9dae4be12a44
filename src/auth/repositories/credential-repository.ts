import { raw, type EntityData, type FilterQuery } from "@mikro-orm/core";
import { isPostgres, User, type EntityManager } from "../../db/index.js";
import type { Lockout } from "../domain/index.js";

/**
 * The statements logins and credential changes run against a user's row. Each is a single
 * conditional UPDATE, so parallel attempts count exactly (PostgreSQL takes the row lock; SQLite
 * has a single writer) and an account locked or deactivated by a concurrent transaction is seen at
 * once. None of them bumps the user's `version`: a login is not an edit of the user.
 */

/** The account may log in: active, not locked by an administrator, no lockout running at `now`. */
const OPEN_ACCOUNT = "is_active and not is_locked and (locked_until is null or locked_until <= ?)";

export interface FailureCounts {
  readonly failedLoginCount: number;
  readonly lockoutCount: number;
}

/**
 * Counts one failed attempt, atomically. Undefined when the account is (by now) deactivated or
 * locked: attempts against a locked account do not count towards the next lockout.
 */
export async function countFailedLogin(em: EntityManager, userId: string, now: Date): Promise<FailureCounts | undefined> {
  const [row] = await em.execute<{ failed_login_count: number | string; lockout_count: number | string }[]>(
    `update ${usersTable(em)} set failed_login_count = failed_login_count + 1 where id = ? and ${OPEN_ACCOUNT} returning failed_login_count, lockout_count`,
    [userId, dateParameter(em, now)],
  );
  return row === undefined
    ? undefined
    : { failedLoginCount: Number(row.failed_login_count), lockoutCount: Number(row.lockout_count) };
}

/** Starts a lockout; the failure count starts again from zero for the next one. */
export async function startLockout(em: EntityManager, userId: string, lockout: Lockout): Promise<void> {
  await updateUserRows(
    em,
    { id: userId },
    { lockedUntil: lockout.lockedUntil, lockoutCount: lockout.lockoutCount, failedLoginCount: 0 },
  );
}

/** What the second-factor check of a login needs, read under the row lock taken by recordSuccessfulLogin. */
export interface SecondFactorState {
  readonly totpEnabled: boolean;
  readonly totpSecret: string | null;
  readonly totpLastUsedStep: number | null;
  readonly recoveryCodes: string[];
}

/** What recordSuccessfulLogin read back from the row it updated. */
export interface RecordedLogin {
  readonly secondFactor: SecondFactorState;
  /**
   * The whole row as the statement left it, as the database returns it (column names, the
   * dialect's types): `em.map(User, row)` turns it into the up-to-date entity without reading
   * the row again.
   */
  readonly row: Record<string, unknown>;
}

/**
 * Resets the failure counters and records the login, if the account is still open; returns its
 * second-factor state and the updated row, read in the same statement. Inside a transaction this
 * holds the user's row until commit, so recovery codes are consumed one at a time.
 */
export async function recordSuccessfulLogin(em: EntityManager, userId: string, now: Date): Promise<RecordedLogin | undefined> {
  const [row] = await em.execute<
    (Record<string, unknown> & {
      totp_enabled: boolean | number;
      totp_secret: string | null;
      totp_last_used_step: number | string | null;
      recovery_codes: string | string[] | null;
    })[]
  >(
    `update ${usersTable(em)} set failed_login_count = 0, lockout_count = 0, locked_until = null, last_login_at = ? where id = ? and ${OPEN_ACCOUNT} returning *`,
    [dateParameter(em, now), userId, dateParameter(em, now)],
  );
  if (row === undefined) return undefined;
  return {
    secondFactor: {
      totpEnabled: Boolean(row.totp_enabled),
      totpSecret: row.totp_secret,
      totpLastUsedStep: row.totp_last_used_step === null ? null : Number(row.totp_last_used_step),
      recoveryCodes: jsonStringArray(row.recovery_codes),
    },
    row,
  };
}

/**
 * Records the TOTP step a code was accepted for, unless that step (or a later one) was already
 * used: false means the code is a replay, possibly by a concurrent login.
 */
export async function claimTotpStep(em: EntityManager, userId: string, step: number): Promise<boolean> {
  const claimed = await em.execute<{ id: string }[]>(
    `update ${usersTable(em)} set totp_last_used_step = ? where id = ? and (totp_last_used_step is null or totp_last_used_step < ?) returning id`,
    [step, userId, step],
  );
  return claimed.length === 1;
}

/** Replaces the hashes of the unused recovery codes (a login consumed one). */
export async function storeRecoveryCodes(em: EntityManager, userId: string, hashes: string[]): Promise<void> {
  await updateUserRows(em, { id: userId }, { recoveryCodes: hashes });
}

/** Replaces a hash made with fewer iterations, unless the password changed meanwhile. */
export async function upgradePasswordHash(em: EntityManager, userId: string, oldHash: string, newHash: string): Promise<void> {
  await updateUserRows(em, { id: userId, passwordHash: oldHash }, { passwordHash: newHash });
}

/** Sets a new password, unless it changed since `expectedHash` was read: false then. */
export async function replacePasswordHash(
  em: EntityManager,
  userId: string,
  expectedHash: string,
  newHash: string,
  at: Date,
): Promise<boolean> {
  const updated = await updateUserRows(
    em,
    { id: userId, passwordHash: expectedHash },
    { passwordHash: newHash, passwordChangedAt: at, updatedAt: at },
  );
  return updated === 1;
}

/**
 * Stores a new (encrypted) TOTP secret awaiting confirmation, unless TOTP is enabled by now:
 * false then. Any earlier unconfirmed secret is replaced.
 */
export async function beginTotpEnrollment(em: EntityManager, userId: string, encryptedSecret: string, at: Date): Promise<boolean> {
  const updated = await updateUserRows(
    em,
    { id: userId, totpEnabled: false },
    { totpSecret: encryptedSecret, totpLastUsedStep: null, updatedAt: at },
  );
  return updated === 1;
}

/**
 * Enables TOTP with the secret being confirmed, the step its confirming code used and the hashes
 * of the new recovery codes, unless the enrolment changed since `expectedSecret` was read
 * (enabled, or enrolled again): false then.
 */
export async function enableTotp(
  em: EntityManager,
  userId: string,
  confirmation: { readonly expectedSecret: string; readonly step: number; readonly recoveryCodeHashes: string[] },
  at: Date,
): Promise<boolean> {
  const updated = await updateUserRows(
    em,
    { id: userId, totpEnabled: false, totpSecret: confirmation.expectedSecret },
    { totpEnabled: true, totpLastUsedStep: confirmation.step, recoveryCodes: confirmation.recoveryCodeHashes, updatedAt: at },
  );
  return updated === 1;
}

/** Disables TOTP: forgets the secret, its last step and the recovery codes. */
export async function clearTotp(em: EntityManager, userId: string, at: Date): Promise<void> {
  await updateUserRows(
    em,
    { id: userId },
    { totpEnabled: false, totpSecret: null, totpLastUsedStep: null, recoveryCodes: [], updatedAt: at },
  );
}

/**
 * The user as a login left the row: mapped from the row recordSuccessfulLogin returned when
 * nothing changed it since (`row`), else read again past the identity map.
 */
export async function userAfterLogin(em: EntityManager, userId: string, row: Record<string, unknown> | undefined): Promise<User | null> {
  return row !== undefined ? em.map(User, row) : em.findOne(User, { id: userId }, { refresh: true });
}

/**
 * Takes the user's row lock for the rest of the transaction (PostgreSQL; SQLite has one writer).
 * Transactions that change a user's sessions and append an audit row take it first, as user
 * management does, so that they all take their locks in one order — user row, revision counter,
 * sessions — and cannot deadlock one another.
 */
export async function lockUserRow(em: EntityManager, userId: string): Promise<void> {
  if (isPostgres(em)) await em.execute(`select id from ${usersTable(em)} where id = ? for update`, [userId]);
}

/** A Date as the dialect stores it (SQLite: epoch milliseconds), for raw statements. */
function dateParameter(em: EntityManager, date: Date): unknown {
  return em.getPlatform().processDateProperty(date);
}

/**
 * Updates user rows without bumping their `version`: login bookkeeping and credential changes are
 * not edits of the user, and must not make an administrator's UpdateUser (which carries the
 * expected version) fail. Returns the number of rows changed.
 */
function updateUserRows(em: EntityManager, where: FilterQuery<User>, data: EntityData<User>): Promise<number> {
  const unversioned: EntityData<User> = Object.assign({}, data, { version: raw<User, number>("version") });
  return em.nativeUpdate(User, where, unversioned);
}

function usersTable(em: EntityManager): string {
  return em.getMetadata(User).tableName;
}

function jsonStringArray(value: string | string[] | null): string[] {
  const parsed: unknown = typeof value === "string" ? JSON.parse(value) : value;
  return Array.isArray(parsed) ? parsed.filter((item): item is string => typeof item === "string") : [];
}
