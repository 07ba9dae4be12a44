import { Role, User, UserRole, type EntityManager, type SystemRoleName } from "../../db/index.js";

/** Users and their role assignments, as the auth use cases look them up. */

/** The tables of users, roles and assignments, for the statements written in SQL. */
function tablesOf(em: EntityManager): { users: string; roles: string; userRoles: string } {
  return { users: em.getMetadata(User).tableName, roles: em.getMetadata(Role).tableName, userRoles: em.getMetadata(UserRole).tableName };
}

export async function hasAnyUser(em: EntityManager): Promise<boolean> {
  return (await em.count(User, {})) > 0;
}

export function findUserById(em: EntityManager, id: string): Promise<User | null> {
  return em.findOne(User, { id });
}

/** By username, or by email (stored lower-case), whether active or not. */
export function findUserByLogin(em: EntityManager, login: string): Promise<User | null> {
  const trimmed = login.trim();
  return em.findOne(User, { $or: [{ username: trimmed }, { email: trimmed.toLowerCase() }] });
}

export async function roleNamesOf(em: EntityManager, userId: string): Promise<string[]> {
  return (await roleNamesByUser(em, [userId])).get(userId) ?? [];
}

/** Role names per user, sorted, for a page of users in one query. */
export async function roleNamesByUser(em: EntityManager, userIds: readonly string[]): Promise<Map<string, string[]>> {
  const byUser = new Map<string, string[]>(userIds.map((id) => [id, []]));
  if (userIds.length === 0) return byUser;
  const assignments = await em.find(
    UserRole,
    { user: { $in: [...userIds] } },
    { populate: ["role"], orderBy: { role: { name: "asc" } } },
  );
  for (const assignment of assignments) byUser.get(assignment.user.id)?.push(assignment.role.getEntity().name);
  return byUser;
}

export interface UserListFilter {
  /** Case-insensitive substring of the username or the email. */
  readonly query?: string;
  /** Only holders of this role. */
  readonly role?: string;
  readonly includeInactive: boolean;
}

/**
 * A page of users ordered by username (unique, so the order is total), starting after `afterUsername`:
 * fetch `limit = pageSize + 1` and let pageOf cut it.
 */
export async function listUsersPage(
  em: EntityManager,
  filter: UserListFilter,
  afterUsername: string | undefined,
  limit: number,
): Promise<User[]> {
  const qb = em.createQueryBuilder(User, "u").select("*").orderBy({ username: "asc" }).limit(limit);
  if (!filter.includeInactive) qb.andWhere({ isActive: true });
  if (afterUsername !== undefined) qb.andWhere({ username: { $gt: afterUsername } });
  if (filter.query !== undefined && filter.query !== "") {
    const pattern = `%${escapeLike(filter.query.toLowerCase())}%`;
    // Explicit ESCAPE: SQLite has no default escape character. Emails are stored lower-case.
    qb.andWhere("(lower(u.username) like ? escape '!' or u.email like ? escape '!')", [pattern, pattern]);
  }
  if (filter.role !== undefined && filter.role !== "") {
    const { roles, userRoles } = tablesOf(em);
    qb.andWhere(`u.id in (select ur.user_id from ${userRoles} ur join ${roles} r on r.id = ur.role_id where r.name = ?)`, [filter.role]);
  }
  return qb.getResultList();
}

function escapeLike(text: string): string {
  return text.replace(/[!%_]/g, (character) => `!${character}`);
}

const ADMIN_ROLE_NAME: SystemRoleName = "ADMIN";

/** Which of username (compared case-insensitively) and email another user already has. */
export async function findIdentityConflicts(
  em: EntityManager,
  identity: { readonly username?: string; readonly email?: string },
  exceptUserId?: string,
): Promise<{ username: boolean; email: boolean }> {
  const conditions: string[] = [];
  const params: string[] = [];
  if (identity.username !== undefined) {
    conditions.push("lower(u.username) = ?");
    params.push(identity.username.toLowerCase());
  }
  if (identity.email !== undefined) {
    conditions.push("u.email = ?");
    params.push(identity.email);
  }
  if (conditions.length === 0) return { username: false, email: false };
  const qb = em.createQueryBuilder(User, "u").select(["id", "username", "email"]).where(`(${conditions.join(" or ")})`, params);
  if (exceptUserId !== undefined) qb.andWhere({ id: { $ne: exceptUserId } });
  const rows = await qb.execute<Array<{ id: string; username: string; email: string }>>("all", false);
  return {
    username: identity.username !== undefined && rows.some((row) => row.username.toLowerCase() === identity.username?.toLowerCase()),
    email: identity.email !== undefined && rows.some((row) => row.email === identity.email),
  };
}

/**
 * Users other than `userId` who hold ADMIN and may use it: active and not locked by an
 * administrator (an automatic lockout ends by itself). Run it after the revision lock
 * (the transaction's audit row) so that concurrent access-control changes are counted committed.
 */
export async function countOtherActiveAdmins(em: EntityManager, userId: string): Promise<number> {
  const { users, roles, userRoles } = tablesOf(em);
  const [row] = await em.execute<Array<{ admins: number | string }>>(
    `select count(*) as admins from ${userRoles} ur
       join ${roles} r on r.id = ur.role_id
       join ${users} u on u.id = ur.user_id
      where r.name = ? and u.is_active = true and u.is_locked = false and u.id <> ?`,
    [ADMIN_ROLE_NAME, userId],
  );
  return Number(row?.admins ?? 0);
}

export function findAssignment(em: EntityManager, userId: string, roleId: string): Promise<UserRole | null> {
  return em.findOne(UserRole, { user: userId, role: roleId });
}
