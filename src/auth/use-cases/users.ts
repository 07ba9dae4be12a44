import { decodePageToken, pageOf, pageSizeOf, User, UserRole, type EntityManager, type PermissionName, type Role, type SystemRoleName, type Transaction, type UnitOfWork } from "../../db/index.js";
import { DomainError, invalidArgument, type FieldViolation } from "../../errors/index.js";
import type { Actor, Caller } from "../../guards/index.js";
import { publishAccessChanges, type AccessChange } from "../access-events.js";
import type { AuthDependencies } from "../auth-dependencies.js";
import { emailViolations, normalizeEmail, requireId, requireText, usernameViolations } from "../domain/index.js";
import { findUnrevokedApiKeysOfUser } from "../repositories/api-key-repository.js";
import { findRolesByName, permissionNamesOfRole, permissionNamesOfRoles } from "../repositories/role-repository.js";
import {
  findAssignment,
  findIdentityConflicts,
  listUsersPage,
  roleNamesByUser,
  roleNamesOf,
} from "../repositories/user-repository.js";
import {
  ADMIN_ROLE,
  assertCanGrant,
  assertCanRevoke,
  assertNotLastActiveAdmin,
  requireManageableUser,
  requireRole,
  requireUser,
  versionConflict,
} from "./management-rules.js";
import { revokeSessions } from "./session-revocation.js";

/**
 * Users: create, read, list, update, deactivate (soft), lock/unlock, role assignment.
 *
 * Rules beyond the proto's per-method permission:
 * - nobody grants a role holding a permission they lack, nor revokes one (what you could not give,
 *   you cannot take away);
 * - update, deactivate, lock and unlock act only on users whose permissions the caller holds all
 *   of, so a MANAGER cannot deactivate or lock an ADMIN (TARGET_HOLDS_UNHELD_PERMISSIONS);
 * - CreateUser with explicit roles other than the default VIEWER needs `users:admin`, which is
 *   what assigning roles takes (DESIGN.md section 2);
 * - the last active, unlocked ADMIN can neither lose ADMIN nor be deactivated or locked. That is
 *   checked after the audit row took the global revision lock, so two concurrent changes cannot
 *   both see "another admin is left".
 * No-op changes (deactivating an inactive user, assigning a held role, ...) answer the user as is,
 * without an audit row.
 */

export interface UserWithRoles {
  readonly user: User;
  readonly roles: readonly string[];
}

/** What creating a user needs: bounded hashing and the password policy (CreateUser, commands, tests). */
export type AccountDependencies = Pick<AuthDependencies, "passwords" | "passwordPolicy">;

export interface NewUser {
  readonly username: string;
  readonly email: string;
  readonly password: string;
  /** Role names, possibly none (CreateUser asks for DEFAULT_ROLES when the request names none). */
  readonly roles: readonly string[];
  /** How a user was created outside a call (e.g. "create-admin"): recorded in the audit row. */
  readonly via?: string;
}

const DEFAULT_ROLE: SystemRoleName = "VIEWER";
/** What CreateUser assigns when the request names no role: anyone with `users:write` may. */
export const DEFAULT_ROLES: readonly SystemRoleName[] = [DEFAULT_ROLE];
const ASSIGN_ROLES_PERMISSION: PermissionName = "users:admin";
const MAX_QUERY_LENGTH = 254;
const MAX_LOCK_REASON_LENGTH = 512;

export async function createUser(deps: AccountDependencies, uow: UnitOfWork, actor: Actor<Caller>, input: NewUser): Promise<UserWithRoles> {
  const { username } = input;
  const email = normalizeEmail(input.email);
  const roleNames = validateNewUser(deps, input, email);
  const caller = actor.principal;
  const explicitRoles = !(roleNames.length === 1 && roleNames[0] === DEFAULT_ROLE);
  if (explicitRoles && !caller.permissions.has(ASSIGN_ROLES_PERMISSION)) {
    throw new DomainError("permission-denied", "PERMISSION_DENIED", `assigning roles needs the "${ASSIGN_ROLES_PERMISSION}" permission`, {
      metadata: { permission: ASSIGN_ROLES_PERMISSION },
    });
  }
  const roles = await findRolesByName(uow.em, roleNames);
  const unknown = roleNames.filter((name) => !roles.some((role) => role.name === name));
  if (unknown.length > 0) {
    throw invalidArgument(
      unknown.map((name) => ({ field: `roles[${input.roles.indexOf(name)}]`, reason: "UNKNOWN_ROLE", description: `no role "${name}"` })),
    );
  }
  assertCanGrant(caller, await permissionNamesOfRoles(uow.em, roles.map((role) => role.id)));
  assertNoConflicts(await findIdentityConflicts(uow.em, { username, email }));

  // Hashed before the transaction: PBKDF2 takes ~0.1 s and must not hold the revision lock.
  const passwordHash = await deps.passwords.hash(input.password);
  const user = await uow.write(
    async (tx) => {
      const now = new Date();
      const created = tx.em.create(User, { username, email, passwordHash });
      const assignedBy = caller.kind === "system" ? null : caller.userId;
      for (const role of roles) tx.em.create(UserRole, { user: created, role: role.id, assignedBy, assignedAt: now });
      await tx.em.flush();
      await tx.audit(actor, {
        action: "user.created",
        resourceType: "user",
        resourceId: created.id,
        details: { username, email, roles: roleNames, ...(input.via !== undefined && { via: input.via }) },
        occurredAt: now,
      });
      await publishAccessChanges(tx, { kind: "user", id: created.id });
      return created;
    },
    { onUniqueViolation: userAlreadyExists },
  );
  return { user, roles: roleNames };
}

/** The sorted, distinct role names to assign; throws every violation of the input at once. */
function validateNewUser(deps: AccountDependencies, input: NewUser, email: string): string[] {
  const violations = [
    ...usernameViolations(input.username, "username"),
    ...emailViolations(email, "email"),
    ...deps.passwordPolicy.check(input.password, { username: input.username, email }, "password"),
  ];
  const requested = [...new Set(input.roles)];
  requested.forEach((name, index) => {
    if (name.trim() === "") violations.push({ field: `roles[${index}]`, reason: "REQUIRED", description: "must not be empty" });
  });
  if (violations.length > 0) throw invalidArgument(violations);
  return requested.sort();
}

export async function getUser(uow: UnitOfWork, input: { readonly userId: string }): Promise<UserWithRoles> {
  const user = await requireUser(uow.em, requireId("user_id", input.userId));
  return withRoles(uow.em, user);
}

export interface UserListRequest {
  readonly pageSize: number;
  readonly pageToken: string;
  /** Case-insensitive substring of the username or the email. */
  readonly query: string;
  /** Only holders of this role. */
  readonly role: string;
  readonly includeInactive: boolean;
}

export async function listUsers(uow: UnitOfWork, input: UserListRequest): Promise<{ users: UserWithRoles[]; nextPageToken: string }> {
  const pageSize = pageSizeOf(input.pageSize);
  if (input.query.length > MAX_QUERY_LENGTH) {
    throw invalidArgument([{ field: "query", reason: "TOO_LONG", description: `must be at most ${MAX_QUERY_LENGTH} characters` }]);
  }
  const filter = { query: input.query.trim(), role: input.role.trim(), includeInactive: input.includeInactive };
  const scope = JSON.stringify(["users", filter.query.toLowerCase(), filter.role, filter.includeInactive]);
  const after = decodePageToken(input.pageToken, (cursor) => (typeof cursor["u"] === "string" ? cursor["u"] : undefined), { scope });
  const rows = await listUsersPage(uow.em, filter, after, pageSize + 1);
  const page = pageOf(rows, pageSize, (last) => ({ u: last.username }), { scope });
  const roles = await roleNamesByUser(uow.em, page.items.map((user) => user.id));
  return { users: page.items.map((user) => ({ user, roles: roles.get(user.id) ?? [] })), nextPageToken: page.nextPageToken };
}

export interface UserUpdate {
  readonly userId: string;
  readonly version: bigint;
  readonly username?: string | undefined;
  readonly email?: string | undefined;
}

export async function updateUser(uow: UnitOfWork, actor: Actor<Caller>, input: UserUpdate): Promise<UserWithRoles> {
  const id = requireId("user_id", input.userId);
  const { username } = input;
  const email = input.email === undefined ? undefined : normalizeEmail(input.email);
  const violations: FieldViolation[] = [];
  if (input.version <= 0n) violations.push({ field: "version", reason: "REQUIRED", description: "the expected version is required" });
  if (username !== undefined) violations.push(...usernameViolations(username, "username"));
  if (email !== undefined) violations.push(...emailViolations(email, "email"));
  if (violations.length > 0) throw invalidArgument(violations);

  return changeUser(uow, actor, id, async (tx, user) => {
    if (BigInt(user.version) !== input.version) throw versionConflict("the user", user.version);
    const changes: Record<string, { old: string; new: string }> = {};
    if (username !== undefined && username !== user.username) changes["username"] = { old: user.username, new: username };
    if (email !== undefined && email !== user.email) changes["email"] = { old: user.email, new: email };
    if (Object.keys(changes).length === 0) return false;
    const changedIdentity: { username?: string; email?: string } = {};
    if (changes["username"] !== undefined) changedIdentity.username = changes["username"].new;
    if (changes["email"] !== undefined) changedIdentity.email = changes["email"].new;
    assertNoConflicts(await findIdentityConflicts(tx.em, changedIdentity, user.id));
    await tx.audit(actor, { action: "user.updated", resourceType: "user", resourceId: user.id, details: { changes } });
    if (username !== undefined) user.username = username;
    if (email !== undefined) user.email = email;
    return true;
  });
}

export async function deactivateUser(
  deps: Pick<AuthDependencies, "directory">,
  uow: UnitOfWork,
  actor: Actor<Caller>,
  input: { readonly userId: string },
): Promise<UserWithRoles> {
  return changeUser(uow, actor, requireId("user_id", input.userId), async (tx, user) => {
    if (!user.isActive) return false;
    const now = new Date();
    const keys = await findUnrevokedApiKeysOfUser(tx.em, user.id);
    // Undone with the transaction if the check below refuses; announced only on commit.
    const sessions = await revokeSessions(tx, deps.directory, user.id, { reason: "user_deactivated", at: now });
    await tx.audit(actor, {
      action: "user.deactivated",
      resourceType: "user",
      resourceId: user.id,
      details: { username: user.username, revoked_api_keys: keys.map((key) => key.id), revoked_sessions: sessions.length },
    });
    await assertNotLastActiveAdmin(tx.em, user, "deactivate");
    user.isActive = false;
    user.deactivatedAt = now;
    // A deactivated user's keys stop for good: there is no reactivation, and a key must not
    // outlive its owner's account.
    for (const key of keys) key.revokedAt = now;
    await publishAccessChanges(tx, ...keys.map((key): AccessChange => ({ kind: "api-key", id: key.id })));
    return true;
  });
}

export async function lockUser(
  deps: Pick<AuthDependencies, "directory">,
  uow: UnitOfWork,
  actor: Actor<Caller>,
  input: { readonly userId: string; readonly reason: string },
): Promise<UserWithRoles> {
  const id = requireId("user_id", input.userId);
  if (input.reason.length > MAX_LOCK_REASON_LENGTH) {
    throw invalidArgument([{ field: "reason", reason: "TOO_LONG", description: `must be at most ${MAX_LOCK_REASON_LENGTH} characters` }]);
  }
  return changeUser(uow, actor, id, async (tx, user) => {
    if (user.isLocked) return false;
    // Undone with the transaction if the check below refuses; announced only on commit.
    const sessions = await revokeSessions(tx, deps.directory, user.id, { reason: "user_locked" });
    await tx.audit(actor, {
      action: "user.locked",
      resourceType: "user",
      resourceId: user.id,
      details: { username: user.username, reason: input.reason, revoked_sessions: sessions.length },
    });
    await assertNotLastActiveAdmin(tx.em, user, "lock");
    user.isLocked = true;
    return true;
  });
}

export async function unlockUser(uow: UnitOfWork, actor: Actor<Caller>, input: { readonly userId: string }): Promise<UserWithRoles> {
  return changeUser(uow, actor, requireId("user_id", input.userId), async (tx, user) => {
    if (!user.isLocked && user.lockedUntil == null && user.failedLoginCount === 0 && user.lockoutCount === 0) return false;
    await tx.audit(actor, {
      action: "user.unlocked",
      resourceType: "user",
      resourceId: user.id,
      details: {
        username: user.username,
        was_locked_by_admin: user.isLocked,
        was_locked_until: user.lockedUntil?.toISOString() ?? null,
        failed_login_count: user.failedLoginCount,
      },
    });
    // Also the automatic lockout and its counters: the next lockout starts again from the base period.
    user.isLocked = false;
    user.lockedUntil = null;
    user.failedLoginCount = 0;
    user.lockoutCount = 0;
    return true;
  });
}

export interface RoleAssignment {
  readonly userId: string;
  readonly role: string;
}

export async function assignRole(uow: UnitOfWork, actor: Actor<Caller>, input: RoleAssignment): Promise<UserWithRoles> {
  return changeRoleAssignment(uow, actor, input, "user.role.assigned", async (tx, user, role) => {
    assertCanGrant(actor.principal, await permissionNamesOfRole(tx.em, role.id));
    if ((await findAssignment(tx.em, user.id, role.id)) !== null) return undefined;
    const caller = actor.principal;
    return () => {
      tx.em.create(UserRole, { user, role, assignedBy: caller.kind === "system" ? null : caller.userId, assignedAt: new Date() });
    };
  });
}

export async function revokeRole(uow: UnitOfWork, actor: Actor<Caller>, input: RoleAssignment): Promise<UserWithRoles> {
  return changeRoleAssignment(uow, actor, input, "user.role.revoked", async (tx, user, role) => {
    assertCanRevoke(actor.principal, await permissionNamesOfRole(tx.em, role.id));
    const assignment = await findAssignment(tx.em, user.id, role.id);
    if (assignment === null) return undefined;
    return async () => {
      if (role.name === ADMIN_ROLE) await assertNotLastActiveAdmin(tx.em, user, "revoke ADMIN from");
      tx.em.remove(assignment);
    };
  });
}

/**
 * Changes a user the caller may manage, in one transaction: `change` answers whether it changed
 * anything (and audited it); a change is flushed and announced to every instance.
 */
async function changeUser(
  uow: UnitOfWork,
  actor: Actor<Caller>,
  userId: string,
  change: (tx: Transaction, user: User) => Promise<boolean>,
): Promise<UserWithRoles> {
  const user = await uow.write(
    async (tx) => {
      const user = await requireManageableUser(tx.em, actor.principal, userId);
      if (await change(tx, user)) {
        await tx.em.flush();
        await publishAccessChanges(tx, { kind: "user", id: user.id });
      }
      return user;
    },
    { onUniqueViolation: userAlreadyExists },
  );
  return withRoles(uow.em, user);
}

/**
 * AssignRole and RevokeRole: `plan` refuses what the caller may not do and answers how to change
 * the user's assignment of the role, or undefined when there is nothing to change (no audit row,
 * no announcement). That change runs after the audit row, so it may rely on its revision lock.
 */
async function changeRoleAssignment(
  uow: UnitOfWork,
  actor: Actor<Caller>,
  input: RoleAssignment,
  action: "user.role.assigned" | "user.role.revoked",
  plan: (tx: Transaction, user: User, role: Role) => Promise<(() => Promise<void> | void) | undefined>,
): Promise<UserWithRoles> {
  const id = requireId("user_id", input.userId);
  const roleName = requireText("role", input.role);
  const user = await uow.write(async (tx) => {
    const user = await requireUser(tx.em, id);
    const role = await requireRole(tx.em, roleName);
    const change = await plan(tx, user, role);
    if (change === undefined) return user;
    await tx.audit(actor, {
      action,
      resourceType: "user",
      resourceId: user.id,
      details: { username: user.username, role: role.name },
    });
    await change();
    // A change to the user's roles changes the user as its clients see it: bump its version.
    user.updatedAt = new Date();
    await tx.em.flush();
    await publishAccessChanges(tx, { kind: "user", id: user.id });
    return user;
  });
  return withRoles(uow.em, user);
}

async function withRoles(em: EntityManager, user: User): Promise<UserWithRoles> {
  return { user, roles: await roleNamesOf(em, user.id) };
}

function assertNoConflicts(conflicts: { username: boolean; email: boolean }): void {
  if (conflicts.username) throw new DomainError("already-exists", "USERNAME_TAKEN", "the username is already taken");
  if (conflicts.email) throw new DomainError("already-exists", "EMAIL_TAKEN", "the email address is already in use");
}

function userAlreadyExists(): DomainError {
  return new DomainError("already-exists", "USER_ALREADY_EXISTS", "the username or email is already taken");
}
