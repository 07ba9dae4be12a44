import type { EntityManager, Role, SystemRoleName, User } from "../../db/index.js";
import { DomainError } from "../../errors/index.js";
import type { Caller } from "../../guards/index.js";
import { effectivePermissions, ungrantablePermissions } from "../domain/index.js";
import { findRoleByName, loadRoleGrants } from "../repositories/role-repository.js";
import { countOtherActiveAdmins, findUserById, roleNamesOf } from "../repositories/user-repository.js";

/** Rules the user, role, session and API key use cases share. */

export const ADMIN_ROLE: SystemRoleName = "ADMIN";

/** Nobody grants (to a user, a role or an API key) a permission they do not hold themselves. */
export function assertCanGrant(caller: Caller, requested: Iterable<string>): void {
  const missing = ungrantablePermissions(caller.permissions, requested);
  if (missing.length > 0) {
    throw new DomainError("permission-denied", "CANNOT_GRANT_UNHELD_PERMISSIONS", "cannot grant permissions you do not hold", {
      metadata: { permissions: missing.join(",") },
    });
  }
}

/** Nobody takes away (from a user or a role) a permission they do not hold: what you could not give. */
export function assertCanRevoke(caller: Caller, permissions: Iterable<string>): void {
  const missing = ungrantablePermissions(caller.permissions, permissions);
  if (missing.length > 0) {
    throw new DomainError("permission-denied", "CANNOT_REVOKE_UNHELD_PERMISSIONS", "cannot take away permissions you do not hold", {
      metadata: { permissions: missing.join(",") },
    });
  }
}

/**
 * A caller acts on another user (edits, locks, deactivates, resets, revokes their sessions) only
 * when holding every permission that user holds: a MANAGER cannot lock an ADMIN.
 */
export async function assertMayManage(em: EntityManager, caller: Caller, targetUserId: string): Promise<void> {
  const held = effectivePermissions(await roleNamesOf(em, targetUserId), await loadRoleGrants(em));
  const missing = [...held].filter((permission) => !caller.permissions.has(permission)).sort();
  if (missing.length > 0) {
    throw new DomainError("permission-denied", "TARGET_HOLDS_UNHELD_PERMISSIONS", "cannot manage a user who holds permissions you do not hold", {
      metadata: { permissions: missing.join(",") },
    });
  }
}

/**
 * Refuses to take the last usable ADMIN away. Call after the transaction's audit row: its revision
 * lock serializes access-control writers, so the count sees every committed change.
 */
export async function assertNotLastActiveAdmin(em: EntityManager, user: User, what: string): Promise<void> {
  if (!user.isActive || user.isLocked) return;
  if (!(await roleNamesOf(em, user.id)).includes(ADMIN_ROLE)) return;
  if ((await countOtherActiveAdmins(em, user.id)) > 0) return;
  throw new DomainError("failed-precondition", "LAST_ACTIVE_ADMIN", `cannot ${what} the last active administrator`, {
    metadata: { user_id: user.id },
  });
}

/** The user of the id, or NOT_FOUND. */
export async function requireUser(em: EntityManager, id: string): Promise<User> {
  const user = await findUserById(em, id);
  if (user === null) throw new DomainError("not-found", "USER_NOT_FOUND", "user not found", { metadata: { user_id: id } });
  return user;
}

/** The user of the id, or NOT_FOUND, when the caller may manage them (see assertMayManage). */
export async function requireManageableUser(em: EntityManager, caller: Caller, id: string): Promise<User> {
  const user = await requireUser(em, id);
  await assertMayManage(em, caller, id);
  return user;
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
