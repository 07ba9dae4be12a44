import { randomInt } from "node:crypto";
import { UniqueConstraintViolationException } from "@mikro-orm/core";
import { hashPassword } from "../crypto/index.js";
import { appendAuditEvent, Role, User, UserRole, type EntityManager } from "../db/index.js";
import { DomainError, invalidArgument, type FieldViolation } from "../errors/index.js";
import { createPasswordPolicy, type PasswordPolicy } from "./domain/index.js";

export interface NewAccount {
  readonly username: string;
  readonly email: string;
  readonly password: string;
  /** Role names; each must exist (the seed creates the system roles). */
  readonly roles: readonly string[];
  readonly passwordIterations: number;
  /** Built once per process when given; otherwise built here (it loads dictionaries). */
  readonly passwordPolicy?: PasswordPolicy;
  /** Shown in the audit row; "system" for the bootstrap paths. */
  readonly actorLabel?: string;
  /** Recorded in the audit row, e.g. "create-admin", "development-bootstrap". */
  readonly via?: string;
}

export interface CreatedAccount {
  readonly userId: string;
  readonly username: string;
}

const USERNAME = /^[a-zA-Z0-9_.-]{3,64}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MAX_EMAIL_LENGTH = 254;
const ADMIN_ROLE = "ADMIN";

/**
 * Creates a user with roles outside any call: the `create-admin` command, the development
 * bootstrap and tests. Same rules as CreateUser (username and email form, password policy), hashed
 * at the configured cost, audited in the same transaction with actor "system".
 */
export async function createAccount(em: EntityManager, account: NewAccount): Promise<CreatedAccount> {
  const username = account.username.trim();
  const email = account.email.trim().toLowerCase();
  const policy = account.passwordPolicy ?? createPasswordPolicy();
  const violations: FieldViolation[] = [];
  if (!USERNAME.test(username)) {
    violations.push({ field: "username", reason: "INVALID_FORMAT", description: "must be 3-64 letters, digits, '.', '_' or '-'" });
  }
  if (email.length > MAX_EMAIL_LENGTH || !EMAIL.test(email)) {
    violations.push({ field: "email", reason: "INVALID_FORMAT", description: "must be an email address" });
  }
  violations.push(...policy.check(account.password, { username, email }, "password"));
  if (violations.length > 0) throw invalidArgument(violations);

  const passwordHash = await hashPassword(account.password, account.passwordIterations);
  try {
    return await em.transactional(async (tx) => {
      const roles = await tx.find(Role, { name: { $in: [...account.roles] } });
      const missing = account.roles.filter((name) => !roles.some((role) => role.name === name));
      if (missing.length > 0) {
        throw invalidArgument(missing.map((name) => ({ field: "roles", reason: "UNKNOWN_ROLE", description: `no role "${name}"` })));
      }
      const now = new Date();
      const user = tx.create(User, { username, email, passwordHash });
      for (const role of roles) tx.create(UserRole, { user, role, assignedAt: now });
      await tx.flush();
      await appendAuditEvent(tx, {
        actorLabel: account.actorLabel ?? "system",
        action: "user.created",
        resourceType: "user",
        resourceId: user.id,
        details: { username, email, roles: roles.map((role) => role.name).sort(), ...(account.via !== undefined && { via: account.via }) },
        occurredAt: now,
      });
      return { userId: user.id, username };
    });
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) {
      throw new DomainError("already-exists", "USER_ALREADY_EXISTS", "the username or email is already taken");
    }
    throw error;
  }
}

export interface NewAdmin {
  readonly username: string;
  readonly email: string;
  readonly password: string;
  readonly passwordIterations: number;
  readonly passwordPolicy?: PasswordPolicy;
  readonly via?: string;
}

/** An ADMIN, as `warden create-admin` makes it. */
export function createAdmin(em: EntityManager, admin: NewAdmin): Promise<CreatedAccount> {
  return createAccount(em, { ...admin, roles: [ADMIN_ROLE], actorLabel: "system", via: admin.via ?? "create-admin" });
}

export interface BootstrappedAdmin extends CreatedAccount {
  /** Generated; to be shown once, to the person starting the service, and never logged. */
  readonly password: string;
}

/**
 * The first ADMIN of an empty database ("admin", with a generated password), so that a new user
 * can log in right after the first start. Undefined when the database has any user — including
 * when another instance starting at the same moment created it first.
 */
export async function bootstrapFirstAdmin(
  em: EntityManager,
  options: { passwordIterations: number; passwordPolicy?: PasswordPolicy },
): Promise<BootstrappedAdmin | undefined> {
  if ((await em.count(User, {})) > 0) return undefined;
  const password = generatePassword();
  try {
    const created = await createAccount(em, {
      username: "admin",
      email: "admin@localhost.localdomain",
      password,
      roles: [ADMIN_ROLE],
      passwordIterations: options.passwordIterations,
      ...(options.passwordPolicy !== undefined && { passwordPolicy: options.passwordPolicy }),
      actorLabel: "system",
      via: "development-bootstrap",
    });
    return { ...created, password };
  } catch (error) {
    if (error instanceof DomainError && error.reason === "USER_ALREADY_EXISTS") return undefined;
    throw error;
  }
}

// No look-alikes (0/O, 1/l/I), so a password read off a terminal can be typed.
const PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const GENERATED_GROUPS = 4;
const GROUP_LENGTH = 6;

/** 24 random symbols from 56 (~139 bits) in dash-separated groups, e.g. `xK7pQm-...`. */
export function generatePassword(): string {
  return Array.from({ length: GENERATED_GROUPS }, () =>
    Array.from({ length: GROUP_LENGTH }, () => PASSWORD_ALPHABET.charAt(randomInt(PASSWORD_ALPHABET.length))).join(""),
  ).join("-");
}
