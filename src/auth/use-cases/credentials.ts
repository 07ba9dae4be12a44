import type { EntityManager, UnitOfWork, User } from "../../db/index.js";
import { DomainError, invalidArgument } from "../../errors/index.js";
import type { Actor, Caller, UserPrincipal } from "../../guards/index.js";
import { totpSecretAad, type AuthDependencies } from "../auth-dependencies.js";
import {
  checkSecretLength,
  consumeRecoveryCode,
  generateRecoveryCodes,
  isTotpCodeForm,
  normalizeRecoveryCode,
  requireId,
} from "../domain/index.js";
import {
  beginTotpEnrollment,
  claimTotpStep,
  clearTotp,
  enableTotp,
  replacePasswordHash,
} from "../repositories/credential-repository.js";
import type { SessionRevocationReason } from "../repositories/session-repository.js";
import { findUserById } from "../repositories/user-repository.js";
import { requireManageableUser } from "./management-rules.js";
import { revokeSessionsAudited } from "./session-revocation.js";

/**
 * A user's own credentials (password, TOTP), and the administrator's TOTP reset. Every change of
 * a credential revokes the user's other sessions: whoever else held one may have known the old
 * credential.
 */

const REAUTH_WINDOW_SECONDS = 60;

type CredentialDependencies = Pick<
  AuthDependencies,
  "config" | "directory" | "rateLimiters" | "passwords" | "passwordPolicy" | "recoveryCodeHasher" | "totp" | "cipher"
>;

/** A change of a user's credential: what `changeCredential` does in one transaction. */
interface CredentialChange {
  readonly userId: string;
  /** Updates the user's row; throws the use case's own error when the row changed meanwhile. */
  readonly update: (em: EntityManager) => Promise<void>;
  /** The session that survives (the caller's own); every other session of the user is revoked. */
  readonly keepSessionId: string | undefined;
  readonly reason: SessionRevocationReason;
  readonly action: string;
  /** The audit event's details, given how many sessions were revoked. */
  readonly details: (revokedSessions: number) => Record<string, unknown>;
  readonly at: Date;
}

/** Returns how many other sessions the change revoked. */
export async function changePassword(
  deps: CredentialDependencies,
  uow: UnitOfWork,
  actor: Actor<UserPrincipal>,
  input: { readonly currentPassword: string; readonly newPassword: string },
): Promise<number> {
  if (input.newPassword === "") {
    throw invalidArgument([{ field: "new_password", reason: "REQUIRED", description: "is required" }]);
  }
  const user = await reauthenticatedCaller(deps, uow, actor);
  await requirePassword(deps, user, input.currentPassword, "current_password");
  deps.passwordPolicy.assert(input.newPassword, { username: user.username, email: user.email }, "new_password");
  if (input.newPassword === input.currentPassword) {
    throw invalidArgument([{ field: "new_password", reason: "UNCHANGED", description: "must differ from the current password" }]);
  }
  const newHash = await deps.passwords.hash(input.newPassword);
  const now = new Date();
  return changeCredential(deps, uow, actor, {
    userId: user.id,
    async update(em) {
      if (!(await replacePasswordHash(em, user.id, user.passwordHash, newHash, now))) {
        throw new DomainError("version-conflict", "PASSWORD_CHANGED_CONCURRENTLY", "the password was changed meanwhile; try again");
      }
    },
    keepSessionId: actor.principal.sessionId,
    reason: "password_changed",
    action: "auth.password.changed",
    details: (revokedSessions) => ({ revokedSessions }),
    at: now,
  });
}

export interface TotpEnrollment {
  /** Base32, to type into an authenticator app. */
  readonly secret: string;
  readonly otpauthUri: string;
}

/** Starts (or restarts) an enrolment: a new secret, enabled only once ConfirmTotp proves it works. */
export async function enrollTotp(
  deps: CredentialDependencies,
  uow: UnitOfWork,
  actor: Actor<UserPrincipal>,
  input: { readonly password: string },
): Promise<TotpEnrollment> {
  const user = await reauthenticatedCaller(deps, uow, actor);
  await requirePassword(deps, user, input.password, "password");
  if (user.totpEnabled) throw totpAlreadyEnabled();
  const secret = deps.totp.generateSecret();
  const now = new Date();
  await uow.write(async (tx) => {
    const encrypted = deps.cipher.encrypt(secret, totpSecretAad(user.id));
    if (!(await beginTotpEnrollment(tx.em, user.id, encrypted, now))) throw totpAlreadyEnabled();
    await tx.audit(actor, { action: "auth.totp.enrollment_started", resourceType: "user", resourceId: user.id, occurredAt: now });
  });
  return { secret, otpauthUri: deps.totp.uri(secret, user.username) };
}

/** Enables TOTP with a current code of the enrolled secret; returns the new recovery codes (shown once). */
export async function confirmTotp(
  deps: CredentialDependencies,
  uow: UnitOfWork,
  actor: Actor<UserPrincipal>,
  input: { readonly code: string },
): Promise<string[]> {
  const code = input.code.trim();
  if (code === "") throw invalidArgument([{ field: "code", reason: "REQUIRED", description: "is required" }]);
  const user = await reauthenticatedCaller(deps, uow, actor);
  if (user.totpEnabled) throw totpAlreadyEnabled();
  const storedSecret = user.totpSecret;
  if (storedSecret == null) throw new DomainError("failed-precondition", "TOTP_NOT_ENROLLED", "call EnrollTotp first");
  const secret = deps.cipher.decrypt(storedSecret, totpSecretAad(user.id));
  const verification = await deps.totp.verify(secret, code, user.totpLastUsedStep ?? null);
  if (!verification.valid) throw invalidTotpCode("code");
  const recoveryCodes = generateRecoveryCodes();
  const recoveryCodeHashes = recoveryCodes.map((recoveryCode) => deps.recoveryCodeHasher.hash(normalizeRecoveryCode(recoveryCode)));
  const now = new Date();
  await changeCredential(deps, uow, actor, {
    userId: user.id,
    async update(em) {
      if (!(await enableTotp(em, user.id, { expectedSecret: storedSecret, step: verification.step, recoveryCodeHashes }, now))) {
        throw new DomainError("failed-precondition", "TOTP_ENROLLMENT_CHANGED", "the enrolment changed meanwhile; enrol again");
      }
    },
    keepSessionId: actor.principal.sessionId,
    reason: "totp_changed",
    action: "auth.totp.enabled",
    details: (revokedSessions) => ({ revokedSessions, recoveryCodesIssued: recoveryCodes.length }),
    at: now,
  });
  return recoveryCodes;
}

/** Disables TOTP, proven with the password, a current code or a recovery code. */
export async function disableTotp(
  deps: CredentialDependencies,
  uow: UnitOfWork,
  actor: Actor<UserPrincipal>,
  input: { readonly password: string; readonly code: string },
): Promise<void> {
  const code = input.code.trim();
  if (input.password === "" && code === "") {
    throw invalidArgument([{ field: "password", reason: "REQUIRED", description: "the password or a current code is required" }]);
  }
  const user = await reauthenticatedCaller(deps, uow, actor);
  if (!user.totpEnabled || user.totpSecret == null) {
    throw new DomainError("failed-precondition", "TOTP_NOT_ENABLED", "TOTP is not enabled");
  }
  const proof = await proveForDisabling(deps, user, user.totpSecret, input.password, code);
  const claimStep = proof.kind === "totp" ? proof.step : undefined;
  const now = new Date();
  await changeCredential(deps, uow, actor, {
    userId: user.id,
    async update(em) {
      if (claimStep !== undefined && !(await claimTotpStep(em, user.id, claimStep))) throw invalidTotpCode("code");
      await clearTotp(em, user.id, now);
    },
    keepSessionId: actor.principal.sessionId,
    reason: "totp_changed",
    action: "auth.totp.disabled",
    details: (revokedSessions) => ({ revokedSessions, proof: proof.kind }),
    at: now,
  });
}

type DisableProof = { readonly kind: "password" | "recovery_code" } | { readonly kind: "totp"; readonly step: number };

/**
 * The password when given; else a code of TOTP form; else a recovery code. A recovery code only
 * proves: disabling TOTP drops them all, so it is not consumed on its own.
 */
async function proveForDisabling(
  deps: CredentialDependencies,
  user: User,
  encryptedSecret: string,
  password: string,
  code: string,
): Promise<DisableProof> {
  if (password !== "") {
    await requirePassword(deps, user, password, "password");
    return { kind: "password" };
  }
  if (isTotpCodeForm(code)) {
    const secret = deps.cipher.decrypt(encryptedSecret, totpSecretAad(user.id));
    const verification = await deps.totp.verify(secret, code, user.totpLastUsedStep ?? null);
    if (!verification.valid) throw invalidTotpCode("code");
    return { kind: "totp", step: verification.step };
  }
  checkSecretLength("code", code);
  const matched = consumeRecoveryCode(code, user.recoveryCodes, (normalized, stored) =>
    deps.recoveryCodeHasher.verify(normalized, stored),
  );
  if (matched === undefined) throw invalidTotpCode("code");
  return { kind: "recovery_code" };
}

/** An administrator clears a user's TOTP (a lost device); the user enrols again. */
export async function resetUserTotp(
  deps: CredentialDependencies,
  uow: UnitOfWork,
  actor: Actor<Caller>,
  input: { readonly userId: string },
): Promise<void> {
  const userId = requireId("user_id", input.userId);
  const user = await requireManageableUser(uow.em, actor.principal, userId);
  if (!user.totpEnabled && user.totpSecret == null) return;
  const { principal } = actor;
  const now = new Date();
  await changeCredential(deps, uow, actor, {
    userId,
    update: (em) => clearTotp(em, userId, now),
    // Whoever held the lost device may hold sessions too; the administrator's own call survives.
    keepSessionId: principal.kind === "user" && principal.userId === userId ? principal.sessionId : undefined,
    reason: "totp_changed",
    action: "auth.totp.reset",
    details: (revokedSessions) => ({ username: user.username, revokedSessions }),
    at: now,
  });
}

/**
 * The calling user's row, once the attempt is counted: attempts to prove a credential are limited
 * per user, so a stolen access token cannot be used to guess the password quickly.
 */
async function reauthenticatedCaller(deps: CredentialDependencies, uow: UnitOfWork, actor: Actor<UserPrincipal>): Promise<User> {
  const { userId } = actor.principal;
  await deps.rateLimiters.consume("reauthenticate-user", userId, deps.config.security.loginRateLimitPerMinute, REAUTH_WINDOW_SECONDS);
  const user = await findUserById(uow.em, userId);
  if (user === null) throw new DomainError("unauthenticated", "ACCOUNT_UNAVAILABLE", "the account no longer exists");
  return user;
}

async function requirePassword(deps: CredentialDependencies, user: User, password: string, field: string): Promise<void> {
  checkSecretLength(field, password);
  if (!(await deps.passwords.verify(password, user.passwordHash))) {
    throw new DomainError("invalid-argument", "INCORRECT_PASSWORD", `${field} is incorrect`, {
      fieldViolations: [{ field, reason: "INCORRECT", description: "is incorrect" }],
    });
  }
}

/**
 * Updates the user's row, revokes the user's other sessions and appends the audit event, in one
 * transaction (announced with it). Returns how many sessions were revoked.
 */
async function changeCredential(deps: CredentialDependencies, uow: UnitOfWork, actor: Actor, change: CredentialChange): Promise<number> {
  const revoked = await uow.write(async (tx) => {
    await change.update(tx.em);
    const revocation = {
      ...(change.keepSessionId !== undefined && { exceptSessionId: change.keepSessionId }),
      reason: change.reason,
      at: change.at,
    };
    return revokeSessionsAudited(tx, deps.directory, actor, change.userId, revocation, {
      action: change.action,
      resourceType: "user",
      resourceId: change.userId,
      details: (sessionIds) => change.details(sessionIds.length),
      when: "always",
    });
  });
  return revoked.length;
}

function totpAlreadyEnabled(): DomainError {
  return new DomainError("failed-precondition", "TOTP_ALREADY_ENABLED", "TOTP is already enabled; disable it first");
}

function invalidTotpCode(field: string): DomainError {
  return new DomainError("invalid-argument", "INVALID_TOTP_CODE", "the code is not valid", {
    fieldViolations: [{ field, reason: "INVALID_CODE", description: "is not a valid current code" }],
  });
}
