import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { AuthService } from "../../gen/warden/auth/v1/auth_service_pb.js";
import { auditActorOf } from "../audit/index.js";
import { hashPassword } from "../crypto/index.js";
import {
  appendAuditEvent,
  decodePageToken,
  pageOf,
  pageSizeOf,
  User,
  UserRole,
  type EntityManager,
  type Role,
} from "../db/index.js";
import { DomainError, invalidArgument, type FieldViolation } from "../errors/index.js";
import type { AccessChange } from "./access-events.js";
import { findUnrevokedApiKeysOfUser } from "./api-key-repository.js";
import { effectivePermissions } from "./domain/index.js";
import {
  announce,
  assertCanGrant,
  callerOf,
  entityManagerOf,
  inTransaction,
  requireId,
  requireRole,
  requireText,
  versionConflict,
  type Caller,
} from "./management-checks.js";
import type { ManagementDependencies } from "./management-dependencies.js";
import { toUserMessage } from "./proto-mappers.js";
import { loadRoleGrants } from "./role-grants.js";
import { findRolesByName, permissionNamesOfRole, permissionNamesOfRoles } from "./role-repository.js";
import { revokeUserSessions } from "./session-revocation.js";
import {
  countOtherActiveAdmins,
  findAssignment,
  findIdentityConflicts,
  findUserById,
  listUsersPage,
  roleNamesByUser,
  roleNamesOf,
} from "./user-repository.js";

type UserMethods = Pick<
  ServiceImpl<typeof AuthService>,
  | "createUser"
  | "getUser"
  | "listUsers"
  | "updateUser"
  | "deactivateUser"
  | "lockUser"
  | "unlockUser"
  | "assignRole"
  | "revokeRole"
>;

const USERNAME = /^[a-zA-Z0-9_.-]{3,64}$/;
// Deliberately plain: one @, no spaces, a dot in the domain. Deliverability is not ours to judge.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MAX_EMAIL_LENGTH = 254;
const MAX_QUERY_LENGTH = 254;
const MAX_LOCK_REASON_LENGTH = 512;
const DEFAULT_ROLE = "VIEWER";
const ADMIN_ROLE = "ADMIN";
const ASSIGN_ROLES_PERMISSION = "users:admin";

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
 *   checked after appendAuditEvent took the global revision lock, so two concurrent changes cannot
 *   both see "another admin is left".
 * No-op changes (deactivating an inactive user, assigning a held role, ...) answer the user as is,
 * without an audit row.
 */
export function createUserMethods(deps: ManagementDependencies): UserMethods {
  /**
   * AssignRole and RevokeRole: `plan` refuses what the caller may not do and answers how to change
   * the user's assignment of the role, or undefined when there is nothing to change (no audit row,
   * no announcement). That change runs after the audit row, so it may rely on its revision lock.
   */
  const changeRoleAssignment = async (
    request: { readonly userId: string; readonly role: string },
    context: HandlerContext,
    action: "user.role.assigned" | "user.role.revoked",
    plan: (tx: EntityManager, caller: Caller, user: User, role: Role) => Promise<(() => Promise<void> | void) | undefined>,
  ) => {
    const caller = callerOf(context);
    const id = requireId(request.userId, "user_id");
    const roleName = requireText(request.role, "role");
    const em = entityManagerOf(context);
    const actor = auditActorOf(context);
    const result = await inTransaction(em, async (tx) => {
      const user = await requireUser(tx, id);
      const role = await requireRole(tx, roleName);
      const change = await plan(tx, caller, user, role);
      if (change === undefined) return { user, changed: false };
      await appendAuditEvent(tx, {
        ...actor,
        action,
        resourceType: "user",
        resourceId: user.id,
        details: { username: user.username, role: role.name },
      });
      await change();
      touch(user);
      await tx.flush();
      return { user, changed: true };
    });
    if (result.changed) await announce(deps.notifier, { kind: "user", id });
    return { user: toUserMessage(result.user, await roleNamesOf(em, id)) };
  };

  return {
    async createUser(request, context) {
      const caller = callerOf(context);
      const username = request.username;
      const email = normalizeEmail(request.email);
      const violations = [
        ...usernameViolations(username, "username"),
        ...emailViolations(email, "email"),
        ...deps.passwordPolicy.check(request.password, { username, email }, "password"),
      ];
      const requestedRoles = [...new Set(request.roles)];
      requestedRoles.forEach((name, index) => {
        if (name.trim() === "") violations.push({ field: `roles[${index}]`, reason: "REQUIRED", description: "must not be empty" });
      });
      if (violations.length > 0) throw invalidArgument(violations);
      const roleNames = requestedRoles.length === 0 ? [DEFAULT_ROLE] : requestedRoles.sort();
      const explicitRoles = !(roleNames.length === 1 && roleNames[0] === DEFAULT_ROLE);
      if (explicitRoles && !caller.permissions.has(ASSIGN_ROLES_PERMISSION)) {
        throw new DomainError("permission-denied", "PERMISSION_DENIED", `assigning roles needs the "${ASSIGN_ROLES_PERMISSION}" permission`, {
          metadata: { permission: ASSIGN_ROLES_PERMISSION },
        });
      }

      const em = entityManagerOf(context);
      const roles = await findRolesByName(em, roleNames);
      const unknown = roleNames.filter((name) => !roles.some((role) => role.name === name));
      if (unknown.length > 0) {
        throw invalidArgument(
          unknown.map((name) => ({ field: `roles[${request.roles.indexOf(name)}]`, reason: "UNKNOWN_ROLE", description: `no role "${name}"` })),
        );
      }
      assertCanGrant(caller, await permissionNamesOfRoles(em, roles.map((role) => role.id)));
      assertNoConflicts(await findIdentityConflicts(em, { username, email }));

      // Hashed before the transaction: PBKDF2 takes ~0.1 s and must not hold the revision lock.
      const passwordHash = await hashPassword(request.password, deps.passwordIterations);
      const actor = auditActorOf(context);
      const user = await inTransaction(
        em,
        async (tx) => {
          const now = new Date();
          const created = tx.create(User, { username, email, passwordHash });
          for (const role of roles) {
            tx.create(UserRole, { user: created, role: role.id, assignedBy: caller.userId, assignedAt: now });
          }
          await tx.flush();
          await appendAuditEvent(tx, {
            ...actor,
            action: "user.created",
            resourceType: "user",
            resourceId: created.id,
            details: { username, email, roles: roleNames },
          });
          return created;
        },
        { onUniqueViolation: () => userAlreadyExists("USER_ALREADY_EXISTS", "the username or email is already taken") },
      );
      await announce(deps.notifier, { kind: "user", id: user.id });
      return { user: toUserMessage(user, roleNames) };
    },

    async getUser(request, context) {
      const id = requireId(request.userId, "user_id");
      const em = entityManagerOf(context);
      const user = await requireUser(em, id);
      return { user: toUserMessage(user, await roleNamesOf(em, user.id)) };
    },

    async listUsers(request, context) {
      const pageSize = pageSizeOf(request.pageSize);
      if (request.query.length > MAX_QUERY_LENGTH) {
        throw invalidArgument([{ field: "query", reason: "TOO_LONG", description: `must be at most ${MAX_QUERY_LENGTH} characters` }]);
      }
      const filter = { query: request.query.trim(), role: request.role.trim(), includeInactive: request.includeInactive };
      const scope = JSON.stringify(["users", filter.query.toLowerCase(), filter.role, filter.includeInactive]);
      const after = decodePageToken(request.pageToken, (cursor) => (typeof cursor["u"] === "string" ? cursor["u"] : undefined), {
        scope,
      });
      const em = entityManagerOf(context);
      const rows = await listUsersPage(em, filter, after, pageSize + 1);
      const page = pageOf(rows, pageSize, (last) => ({ u: last.username }), { scope });
      const roles = await roleNamesByUser(em, page.items.map((user) => user.id));
      return {
        users: page.items.map((user) => toUserMessage(user, roles.get(user.id) ?? [])),
        nextPageToken: page.nextPageToken,
      };
    },

    async updateUser(request, context) {
      const caller = callerOf(context);
      const id = requireId(request.userId, "user_id");
      const violations: FieldViolation[] = [];
      if (request.version <= 0n) violations.push({ field: "version", reason: "REQUIRED", description: "the expected version is required" });
      const username = request.username;
      const email = request.email === undefined ? undefined : normalizeEmail(request.email);
      if (username !== undefined) violations.push(...usernameViolations(username, "username"));
      if (email !== undefined) violations.push(...emailViolations(email, "email"));
      if (violations.length > 0) throw invalidArgument(violations);

      const em = entityManagerOf(context);
      const actor = auditActorOf(context);
      const result = await inTransaction(
        em,
        async (tx) => {
          const user = await requireUser(tx, id);
          await assertMayManage(tx, caller, user);
          if (BigInt(user.version) !== request.version) throw versionConflict("the user", user.version);
          const changes: Record<string, { old: string; new: string }> = {};
          if (username !== undefined && username !== user.username) changes["username"] = { old: user.username, new: username };
          if (email !== undefined && email !== user.email) changes["email"] = { old: user.email, new: email };
          if (Object.keys(changes).length === 0) return { user, changed: false };
          const changedIdentity: { username?: string; email?: string } = {};
          if (changes["username"] !== undefined) changedIdentity.username = changes["username"].new;
          if (changes["email"] !== undefined) changedIdentity.email = changes["email"].new;
          assertNoConflicts(await findIdentityConflicts(tx, changedIdentity, user.id));
          await appendAuditEvent(tx, { ...actor, action: "user.updated", resourceType: "user", resourceId: user.id, details: { changes } });
          if (username !== undefined) user.username = username;
          if (email !== undefined) user.email = email;
          await tx.flush();
          return { user, changed: true };
        },
        { onUniqueViolation: () => userAlreadyExists("USER_ALREADY_EXISTS", "the username or email is already taken") },
      );
      if (result.changed) await announce(deps.notifier, { kind: "user", id });
      return { user: toUserMessage(result.user, await roleNamesOf(em, id)) };
    },

    async deactivateUser(request, context) {
      const caller = callerOf(context);
      const id = requireId(request.userId, "user_id");
      const em = entityManagerOf(context);
      const actor = auditActorOf(context);
      const result = await inTransaction(em, async (tx) => {
        const user = await requireUser(tx, id);
        await assertMayManage(tx, caller, user);
        if (!user.isActive) return { user, changes: [] as AccessChange[], sessions: undefined };
        const now = new Date();
        const keys = await findUnrevokedApiKeysOfUser(tx, user.id);
        // Undone with the transaction if the checks below refuse; announced only after commit.
        const sessions = await revokeUserSessions(tx, deps.notifier, user.id, { reason: "user_deactivated", at: now });
        await appendAuditEvent(tx, {
          ...actor,
          action: "user.deactivated",
          resourceType: "user",
          resourceId: user.id,
          details: { username: user.username, revoked_api_keys: keys.map((key) => key.id), revoked_sessions: sessions.count },
        });
        await assertNotLastActiveAdmin(tx, user, "deactivate");
        user.isActive = false;
        user.deactivatedAt = now;
        // A deactivated user's keys stop for good: there is no reactivation, and a key must not
        // outlive its owner's account.
        for (const key of keys) key.revokedAt = now;
        await tx.flush();
        const changes: AccessChange[] = [
          { kind: "user", id: user.id },
          ...keys.map((key): AccessChange => ({ kind: "api-key", id: key.id })),
        ];
        return { user, changes, sessions };
      });
      await result.sessions?.publish();
      await announce(deps.notifier, ...result.changes);
      return { user: toUserMessage(result.user, await roleNamesOf(em, id)) };
    },

    async lockUser(request, context) {
      const caller = callerOf(context);
      const id = requireId(request.userId, "user_id");
      if (request.reason.length > MAX_LOCK_REASON_LENGTH) {
        throw invalidArgument([{ field: "reason", reason: "TOO_LONG", description: `must be at most ${MAX_LOCK_REASON_LENGTH} characters` }]);
      }
      const em = entityManagerOf(context);
      const actor = auditActorOf(context);
      const result = await inTransaction(em, async (tx) => {
        const user = await requireUser(tx, id);
        await assertMayManage(tx, caller, user);
        if (user.isLocked) return { user, sessions: undefined };
        // Undone with the transaction if the check below refuses; announced only after commit.
        const sessions = await revokeUserSessions(tx, deps.notifier, user.id, { reason: "user_locked" });
        await appendAuditEvent(tx, {
          ...actor,
          action: "user.locked",
          resourceType: "user",
          resourceId: user.id,
          details: { username: user.username, reason: request.reason, revoked_sessions: sessions.count },
        });
        await assertNotLastActiveAdmin(tx, user, "lock");
        user.isLocked = true;
        await tx.flush();
        return { user, sessions };
      });
      if (result.sessions !== undefined) {
        await result.sessions.publish();
        await announce(deps.notifier, { kind: "user", id });
      }
      return { user: toUserMessage(result.user, await roleNamesOf(em, id)) };
    },

    async unlockUser(request, context) {
      const caller = callerOf(context);
      const id = requireId(request.userId, "user_id");
      const em = entityManagerOf(context);
      const actor = auditActorOf(context);
      const result = await inTransaction(em, async (tx) => {
        const user = await requireUser(tx, id);
        await assertMayManage(tx, caller, user);
        const autoLocked = user.lockedUntil != null;
        if (!user.isLocked && !autoLocked && user.failedLoginCount === 0 && user.lockoutCount === 0) {
          return { user, changed: false };
        }
        await appendAuditEvent(tx, {
          ...actor,
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
        await tx.flush();
        return { user, changed: true };
      });
      if (result.changed) await announce(deps.notifier, { kind: "user", id });
      return { user: toUserMessage(result.user, await roleNamesOf(em, id)) };
    },

    assignRole: (request, context) =>
      changeRoleAssignment(request, context, "user.role.assigned", async (tx, caller, user, role) => {
        assertCanGrant(caller, await permissionNamesOfRole(tx, role.id));
        if ((await findAssignment(tx, user.id, role.id)) !== null) return undefined;
        return () => {
          tx.create(UserRole, { user, role, assignedBy: caller.userId, assignedAt: new Date() });
        };
      }),

    revokeRole: (request, context) =>
      changeRoleAssignment(request, context, "user.role.revoked", async (tx, caller, user, role) => {
        const missing = [...(await permissionNamesOfRole(tx, role.id))].filter((permission) => !caller.permissions.has(permission));
        if (missing.length > 0) {
          throw new DomainError("permission-denied", "CANNOT_REVOKE_UNHELD_PERMISSIONS", "cannot revoke a role with permissions you do not hold", {
            metadata: { permissions: missing.join(",") },
          });
        }
        const assignment = await findAssignment(tx, user.id, role.id);
        if (assignment === null) return undefined;
        return async () => {
          if (role.name === ADMIN_ROLE) await assertNotLastActiveAdmin(tx, user, "revoke ADMIN from");
          tx.remove(assignment);
        };
      }),
  };
}

function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function usernameViolations(username: string, field: string): FieldViolation[] {
  if (username === "") return [{ field, reason: "REQUIRED", description: "is required" }];
  if (!USERNAME.test(username)) {
    return [{ field, reason: "INVALID_USERNAME", description: "must be 3-64 characters of letters, digits, '_', '.' or '-'" }];
  }
  return [];
}

function emailViolations(email: string, field: string): FieldViolation[] {
  if (email === "") return [{ field, reason: "REQUIRED", description: "is required" }];
  if (email.length > MAX_EMAIL_LENGTH || !EMAIL.test(email)) {
    return [{ field, reason: "INVALID_EMAIL", description: "is not a valid email address" }];
  }
  return [];
}

function assertNoConflicts(conflicts: { username: boolean; email: boolean }): void {
  if (conflicts.username) throw userAlreadyExists("USERNAME_TAKEN", "the username is already taken");
  if (conflicts.email) throw userAlreadyExists("EMAIL_TAKEN", "the email address is already in use");
}

function userAlreadyExists(reason: string, message: string): DomainError {
  return new DomainError("already-exists", reason, message);
}

async function requireUser(em: EntityManager, id: string): Promise<User> {
  const user = await findUserById(em, id);
  if (user === null) throw new DomainError("not-found", "USER_NOT_FOUND", "user not found", { metadata: { user_id: id } });
  return user;
}

/** A caller acts on a user only when holding every permission that user holds (see createUserMethods). */
async function assertMayManage(em: EntityManager, caller: Caller, target: User): Promise<void> {
  const held = effectivePermissions(await roleNamesOf(em, target.id), await loadRoleGrants(em));
  const missing = [...held].filter((permission) => !caller.permissions.has(permission)).sort();
  if (missing.length > 0) {
    throw new DomainError(
      "permission-denied",
      "TARGET_HOLDS_UNHELD_PERMISSIONS",
      "cannot manage a user who holds permissions you do not hold",
      { metadata: { permissions: missing.join(",") } },
    );
  }
}

/**
 * Refuses to take the last usable ADMIN away. Call after appendAuditEvent in the same transaction:
 * its revision lock serializes access-control writers, so the count sees every committed change.
 */
async function assertNotLastActiveAdmin(em: EntityManager, user: User, what: string): Promise<void> {
  if (!user.isActive || user.isLocked) return;
  if (!(await roleNamesOf(em, user.id)).includes(ADMIN_ROLE)) return;
  if ((await countOtherActiveAdmins(em, user.id)) > 0) return;
  throw new DomainError("failed-precondition", "LAST_ACTIVE_ADMIN", `cannot ${what} the last active administrator`, {
    metadata: { user_id: user.id },
  });
}

/** A change to the user's roles changes the user as its clients see it: bump its version. */
function touch(user: User): void {
  user.updatedAt = new Date();
}
