import { randomInt } from "node:crypto";
import { PERMISSIONS, type UnitOfWork } from "../../db/index.js";
import { DomainError } from "../../errors/index.js";
import { systemActor } from "../../guards/index.js";
import { createPasswordPolicy } from "../domain/index.js";
import { createPasswords } from "../passwords.js";
import { hasAnyUser } from "../repositories/user-repository.js";
import { ADMIN_ROLE } from "./management-rules.js";
import { createUser, type AccountDependencies } from "./users.js";

/** Users created outside any call: the `create-admin` command, the first start, tests. */

export interface NewAccount {
  readonly username: string;
  readonly email: string;
  readonly password: string;
  /** Role names; each must exist (the seed creates the system roles). */
  readonly roles: readonly string[];
}

export interface CreatedAccount {
  readonly userId: string;
  readonly username: string;
}

/** Hashing at the configured cost and the password policy (which loads dictionaries: build it once). */
export async function createAccountDependencies(passwordIterations: number): Promise<AccountDependencies> {
  return { passwords: await createPasswords(passwordIterations), passwordPolicy: createPasswordPolicy() };
}

/**
 * Creates a user with roles through the CreateUser use case, acting as the system: the same
 * rules (username and email form, password policy), audited with actor "system" and `via`.
 */
export async function createAccount(deps: AccountDependencies, uow: UnitOfWork, account: NewAccount, via: string): Promise<CreatedAccount> {
  const { user } = await createUser(deps, uow, SYSTEM, { ...account, via });
  return { userId: user.id, username: user.username };
}

/** An ADMIN, as `warden create-admin` makes it. */
export function createAdmin(
  deps: AccountDependencies,
  uow: UnitOfWork,
  admin: Omit<NewAccount, "roles">,
  via = "create-admin",
): Promise<CreatedAccount> {
  return createAccount(deps, uow, { ...admin, roles: [ADMIN_ROLE] }, via);
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
export async function bootstrapFirstAdmin(deps: AccountDependencies, uow: UnitOfWork): Promise<BootstrappedAdmin | undefined> {
  if (await hasAnyUser(uow.em)) return undefined;
  const password = generatePassword();
  try {
    const created = await createAdmin(deps, uow, { username: "admin", email: "admin@localhost.localdomain", password }, "development-bootstrap");
    return { ...created, password };
  } catch (error) {
    if (error instanceof DomainError && error.kind === "already-exists") return undefined;
    throw error;
  }
}

const SYSTEM = systemActor("system", PERMISSIONS.map((permission) => permission.name));

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
