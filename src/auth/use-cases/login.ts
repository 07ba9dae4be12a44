import { randomUUID } from "node:crypto";
import { randomToken } from "../../crypto/index.js";
import type { ApiKey, Transaction, UnitOfWork, User } from "../../db/index.js";
import { DomainError } from "../../errors/index.js";
import { actingAs, type Actor, type UserPrincipal } from "../../guards/index.js";
import { publishAccessChanges } from "../access-events.js";
import { totpSecretAad, type AuthDependencies } from "../auth-dependencies.js";
import {
  consumeRecoveryCode,
  isLocked,
  lockoutAfterFailure,
  validateLoginRequest,
  type IssuedAccessToken,
  type Lockout,
  type LoginRequest,
  type ValidLoginRequest,
} from "../domain/index.js";
import { findApiKeyById } from "../repositories/api-key-repository.js";
import {
  claimTotpStep,
  countFailedLogin,
  recordSuccessfulLogin,
  startLockout,
  storeRecoveryCodes,
  upgradePasswordHash,
  userAfterLogin,
  type SecondFactorState,
} from "../repositories/credential-repository.js";
import { findSession, insertSession, rotateRefreshToken } from "../repositories/session-repository.js";
import { findUserById, findUserByLogin, roleNamesOf } from "../repositories/user-repository.js";
import { newRefreshToken, sessionIdOfRefreshToken } from "../refresh-tokens.js";
import { revokeReusedSession, revokeSessionsAudited } from "./session-revocation.js";

/**
 * Login, Refresh, Logout and WhoAmI. Every failed login answers INVALID_CREDENTIALS, whatever
 * the reason (audited apart); only a right password without the second factor says TOTP_REQUIRED.
 */

const JTI_BYTES = 16;
const LOGIN_RATE_WINDOW_SECONDS = 60;

type LoginDependencies = Pick<
  AuthDependencies,
  "config" | "rateLimiters" | "accessTokens" | "passwords" | "refreshTokenHasher" | "recoveryCodeHasher" | "totp" | "cipher"
>;

export interface LoginResult extends RefreshResult {
  /** The user as of this login, with their role names. */
  readonly user: User;
  readonly roles: readonly string[];
  readonly at: Date;
}

/** Why a login failed, as audited (never shown to the caller, who always reads INVALID_CREDENTIALS). */
type FailureReason =
  | "unknown_user"
  | "inactive"
  | "locked"
  | "bad_password"
  | "bad_totp_code"
  | "totp_replay"
  | "bad_recovery_code";

/** Thrown inside the login transaction to roll it back; turned into the caller's answer outside. */
class LoginRefused extends Error {
  constructor(
    readonly reason: FailureReason | "totp_required",
    /** Counts towards the lockout (a wrong second factor does; a locked account does not). */
    readonly counts: boolean,
  ) {
    super(reason);
  }
}

/** What a login attempt carries from step to step. */
interface Attempt {
  readonly deps: LoginDependencies;
  readonly uow: UnitOfWork;
  /** The caller, anonymous: failures are audited as such. */
  readonly actor: Actor;
  readonly request: ValidLoginRequest;
  readonly user: User;
  readonly at: Date;
}

export async function login(deps: LoginDependencies, uow: UnitOfWork, actor: Actor, input: LoginRequest): Promise<LoginResult> {
  await limitLoginRate(deps, actor);
  const request = validateLoginRequest(input);
  const user = await findUserByLogin(uow.em, request.login);
  const passwordMatches = await deps.passwords.verify(request.password, user?.passwordHash);
  if (user === null) return refuse(deps, uow, actor, request.login, null, "unknown_user", false);
  const attempt: Attempt = { deps, uow, actor, request, user, at: new Date() };
  const refusal = refusalBeforeSecondFactor(attempt, passwordMatches);
  if (refusal !== undefined) return refuse(deps, uow, actor, request.login, user, refusal, refusal === "bad_password");
  try {
    return await recordSuccess(attempt);
  } catch (error) {
    if (!(error instanceof LoginRefused)) throw error;
    if (error.reason === "totp_required") {
      // The password was right: say what is missing (RFC 6238 clients then ask for a code).
      throw new DomainError("unauthenticated", "TOTP_REQUIRED", "a TOTP code or a recovery code is required");
    }
    return refuse(deps, uow, actor, request.login, user, error.reason, error.counts);
  }
}

/** Before any hashing: the limit exists to bound the work one address can cause. */
function limitLoginRate(deps: LoginDependencies, actor: Actor): Promise<void> {
  const { loginRateLimitPerMinute } = deps.config.security;
  return deps.rateLimiters.consume("login-ip", actor.ip ?? "unknown", loginRateLimitPerMinute, LOGIN_RATE_WINDOW_SECONDS);
}

/** Why the account may not log in with this password, as far as its row (read before the transaction) tells. */
function refusalBeforeSecondFactor({ user, at }: Attempt, passwordMatches: boolean): FailureReason | undefined {
  if (!user.isActive) return "inactive";
  if (isLocked({ isLocked: user.isLocked, lockedUntil: user.lockedUntil ?? null }, at)) return "locked";
  if (!passwordMatches) return "bad_password";
  return undefined;
}

/**
 * The password was right: records the login (resetting the failure counters), checks the second
 * factor under the user's row lock, upgrades a weak hash and opens the session, in one transaction.
 */
async function recordSuccess(attempt: Attempt): Promise<LoginResult> {
  const { deps, uow, actor, request, user, at } = attempt;
  const { tokens } = deps.config;
  const upgradedHash = deps.passwords.needsRehash(user.passwordHash) ? await deps.passwords.hash(request.password) : undefined;
  const sessionId = randomUUID();
  const refreshToken = newRefreshToken(sessionId);
  const principal: UserPrincipal = { kind: "user", userId: user.id, username: user.username, sessionId, roles: [], permissions: new Set() };
  const expiresAt = new Date(at.getTime() + tokens.sessionMaxLifetimeSeconds * 1000);
  // Signed before the transaction, not inside it: signing is a job on the thread pool, which
  // is busy hashing during a login storm, and the transaction would hold its connection (with
  // SQLite, the only one) while the job waits. Unused if the login is refused after all.
  const accessToken = await deps.accessTokens.issue({ userId: user.id, username: user.username, sessionId }, { notAfter: expiresAt });
  /** The user's row as the login left it, unless a second factor or a hash upgrade changed it again. */
  const rowAfterLogin = await uow.write(async (tx) => {
    const recorded = await recordSuccessfulLogin(tx.em, user.id, at);
    if (recorded === undefined) throw new LoginRefused("locked", false);
    const secondFactor = await checkSecondFactor(attempt, tx, recorded.secondFactor);
    if (upgradedHash !== undefined) await upgradePasswordHash(tx.em, user.id, user.passwordHash, upgradedHash);
    await insertSession(tx.em, {
      id: sessionId,
      userId: user.id,
      tokenJti: accessToken.jti,
      refreshTokenJti: randomToken(JTI_BYTES),
      refreshTokenHash: deps.refreshTokenHasher.hash(refreshToken),
      ip: actor.ip,
      userAgent: actor.userAgent,
      deviceName: request.deviceName,
      createdAt: at,
      expiresAt,
      refreshExpiresAt: new Date(at.getTime() + Math.min(tokens.refreshTtlSeconds, tokens.sessionMaxLifetimeSeconds) * 1000),
    });
    await tx.audit(actingAs(actor, principal), {
      action: "auth.login.succeeded",
      resourceType: "user",
      resourceId: user.id,
      details: {
        sessionId,
        method: secondFactor === undefined ? "password" : `password+${secondFactor}`,
        ...(upgradedHash !== undefined && { passwordHashUpgraded: true }),
      },
      occurredAt: at,
    });
    // The login ended a lockout: instances drop what they cached of the user.
    if (user.lockedUntil != null) await publishAccessChanges(tx, { kind: "user", id: user.id });
    return secondFactor === undefined && upgradedHash === undefined ? recorded.row : undefined;
  });
  const fresh = (await userAfterLogin(uow.em, user.id, rowAfterLogin)) ?? user;
  return { accessToken, refreshToken, sessionId, user: fresh, roles: await roleNamesOf(uow.em, user.id), at };
}

/** Checks the TOTP or recovery code of an enrolled user, inside the login transaction. */
async function checkSecondFactor(
  { deps, request, user }: Attempt,
  tx: Transaction,
  state: SecondFactorState,
): Promise<"totp" | "recovery_code" | undefined> {
  if (!state.totpEnabled) return undefined;
  if (request.totpCode !== "") {
    if (state.totpSecret === null) throw new LoginRefused("bad_totp_code", true);
    const secret = deps.cipher.decrypt(state.totpSecret, totpSecretAad(user.id));
    const verification = await deps.totp.verify(secret, request.totpCode, state.totpLastUsedStep);
    if (!verification.valid) {
      // Audited apart: a valid code seen again means it was observed by someone else.
      const replayed = state.totpLastUsedStep !== null && (await deps.totp.verify(secret, request.totpCode, null)).valid;
      throw new LoginRefused(replayed ? "totp_replay" : "bad_totp_code", true);
    }
    if (!(await claimTotpStep(tx.em, user.id, verification.step))) throw new LoginRefused("totp_replay", true);
    return "totp";
  }
  if (request.recoveryCode !== "") {
    const used = consumeRecoveryCode(request.recoveryCode, state.recoveryCodes, (code, stored) =>
      deps.recoveryCodeHasher.verify(code, stored),
    );
    if (used === undefined) throw new LoginRefused("bad_recovery_code", true);
    await storeRecoveryCodes(tx.em, user.id, used.remaining);
    return "recovery_code";
  }
  throw new LoginRefused("totp_required", false);
}

/** Records the failure, then answers INVALID_CREDENTIALS. */
async function refuse(
  deps: LoginDependencies,
  uow: UnitOfWork,
  actor: Actor,
  login: string,
  user: User | null,
  reason: FailureReason,
  counts: boolean,
): Promise<never> {
  await recordFailure(deps, uow, actor, { login, user, reason, counts });
  throw invalidCredentials();
}

/** Audits a failed login and, when it counts, adds it to the user's failures (maybe locking the account). */
async function recordFailure(
  deps: LoginDependencies,
  uow: UnitOfWork,
  actor: Actor,
  failure: { readonly login: string; readonly user: User | null; readonly reason: FailureReason; readonly counts: boolean },
): Promise<void> {
  const { login, user } = failure;
  const now = new Date();
  const { maxFailedLogins, lockoutBaseSeconds } = deps.config.security;
  const lockoutPolicy = { maxFailedAttempts: maxFailedLogins, baseLockoutSeconds: lockoutBaseSeconds };
  await uow.write(async (tx) => {
    let reason: FailureReason = failure.reason;
    let failedLoginCount: number | undefined;
    let lockout: Lockout | undefined;
    if (user !== null && failure.counts) {
      const failures = await countFailedLogin(tx.em, user.id, now);
      if (failures === undefined) {
        reason = "locked";
      } else {
        failedLoginCount = failures.failedLoginCount;
        lockout = lockoutAfterFailure(failures, lockoutPolicy, now);
        if (lockout !== undefined) await startLockout(tx.em, user.id, lockout);
      }
    }
    await tx.audit(actor, {
      action: "auth.login.failed",
      resourceType: "user",
      resourceId: user?.id ?? null,
      details: { login, reason, ...(failedLoginCount !== undefined && { failedLoginCount }) },
      occurredAt: now,
    });
    if (lockout !== undefined && user !== null) {
      await tx.audit(actor, {
        action: "auth.lockout",
        resourceType: "user",
        resourceId: user.id,
        details: { username: user.username, lockedUntil: lockout.lockedUntil.toISOString(), lockoutCount: lockout.lockoutCount },
        occurredAt: now,
      });
      await publishAccessChanges(tx, { kind: "user", id: user.id });
    }
  });
}

export interface RefreshResult {
  readonly accessToken: IssuedAccessToken;
  readonly refreshToken: string;
  readonly sessionId: string;
}

type RefreshOutcome =
  | { readonly kind: "invalid" | "expired" | "unavailable" | "reused" }
  | { readonly kind: "rotated"; readonly result: RefreshResult };

/**
 * Exchanges a refresh token for a new access token and a new refresh token. A replaced token
 * coming back means two holders of one session: the session is revoked (and stays revoked: the
 * transaction commits before the caller is refused).
 */
export async function refresh(
  deps: Pick<AuthDependencies, "config" | "directory" | "accessTokens" | "refreshTokenHasher">,
  uow: UnitOfWork,
  actor: Actor,
  input: { readonly refreshToken: string },
): Promise<RefreshResult> {
  const token = input.refreshToken.trim();
  const sessionId = sessionIdOfRefreshToken(token);
  if (sessionId === undefined) throw invalidRefreshToken();
  const now = new Date();
  const outcome = await uow.write(async (tx): Promise<RefreshOutcome> => {
    const session = await findSession(tx.em, sessionId);
    if (session === null || session.revokedAt != null) return { kind: "invalid" };
    const userId = session.user.id;
    const revokeForReuse = async (): Promise<RefreshOutcome> => {
      // The audit row comes first: it takes the revision lock before the session row, the order
      // user management takes them in.
      await tx.audit(actor, {
        action: "auth.refresh.reuse_detected",
        resourceType: "session",
        resourceId: sessionId,
        details: { userId, sessionRevoked: true },
        occurredAt: now,
      });
      await revokeReusedSession(tx, deps.directory, { userId, sessionId }, now);
      return { kind: "reused" };
    };
    if (!deps.refreshTokenHasher.verify(token, session.refreshTokenHash)) {
      const previous = session.previousRefreshTokenHash;
      if (previous == null || !deps.refreshTokenHasher.verify(token, previous)) return { kind: "invalid" };
      return revokeForReuse();
    }
    if (session.expiresAt.getTime() <= now.getTime()) return { kind: "expired" };
    if (session.refreshExpiresAt.getTime() <= now.getTime()) return { kind: "expired" };
    const user = await findUserById(tx.em, userId);
    if (user === null || !user.isActive || user.isLocked) return { kind: "unavailable" };
    const issued = await deps.accessTokens.issue({ userId, username: user.username, sessionId }, { notAfter: session.expiresAt });
    const nextToken = newRefreshToken(sessionId);
    const rotated = await rotateRefreshToken(tx.em, sessionId, {
      expectedHash: session.refreshTokenHash,
      refreshTokenHash: deps.refreshTokenHasher.hash(nextToken),
      refreshTokenJti: randomToken(JTI_BYTES),
      tokenJti: issued.jti,
      refreshExpiresAt: new Date(Math.min(now.getTime() + deps.config.tokens.refreshTtlSeconds * 1000, session.expiresAt.getTime())),
      now,
    });
    // Rotated concurrently with the same token: two holders of one token, as with a reuse.
    if (!rotated) return revokeForReuse();
    return { kind: "rotated", result: { accessToken: issued, refreshToken: nextToken, sessionId } };
  });
  if (outcome.kind === "rotated") return outcome.result;
  throw refreshRefusal(outcome.kind);
}

function refreshRefusal(kind: "invalid" | "expired" | "unavailable" | "reused"): DomainError {
  switch (kind) {
    case "invalid":
      return invalidRefreshToken();
    case "expired":
      return new DomainError("unauthenticated", "SESSION_EXPIRED", "the session has expired; log in again");
    case "unavailable":
      return new DomainError("unauthenticated", "ACCOUNT_UNAVAILABLE", "the account is deactivated or locked");
    case "reused":
      return new DomainError(
        "unauthenticated",
        "REFRESH_TOKEN_REUSED",
        "this refresh token was already used; the session has been revoked",
      );
  }
}

/** Ends the caller's own session. */
export async function logout(deps: Pick<AuthDependencies, "directory">, uow: UnitOfWork, actor: Actor<UserPrincipal>): Promise<void> {
  const { userId, sessionId } = actor.principal;
  await uow.write((tx) =>
    revokeSessionsAudited(tx, deps.directory, actor, userId, { onlySessionId: sessionId, reason: "logout" }, {
      action: "auth.logout",
      resourceType: "session",
      resourceId: sessionId,
      when: "always",
    }),
  );
}

/** Who the caller is: the user (with roles) or the API key, and the permissions the call holds. */
export type CallerIdentity =
  | {
      readonly kind: "user";
      /** Null when the user was deleted since the token was issued. */
      readonly user: { readonly user: User; readonly roles: readonly string[] } | null;
      readonly sessionId: string;
      readonly permissions: string[];
    }
  | { readonly kind: "api-key"; readonly apiKey: ApiKey | null; readonly permissions: string[] }
  | { readonly kind: "anonymous" | "system"; readonly permissions: string[] };

export async function whoAmI(uow: UnitOfWork, actor: Actor): Promise<CallerIdentity> {
  const { principal } = actor;
  const permissions = [...(principal.kind === "anonymous" ? [] : principal.permissions)].sort();
  switch (principal.kind) {
    case "user": {
      const user = await findUserById(uow.em, principal.userId);
      const withRoles = user === null ? null : { user, roles: await roleNamesOf(uow.em, user.id) };
      return { kind: "user", user: withRoles, sessionId: principal.sessionId, permissions };
    }
    case "api-key":
      return { kind: "api-key", apiKey: await findApiKeyById(uow.em, principal.apiKeyId), permissions };
    default:
      return { kind: principal.kind, permissions };
  }
}

function invalidCredentials(): DomainError {
  return new DomainError("unauthenticated", "INVALID_CREDENTIALS", "invalid credentials");
}

function invalidRefreshToken(): DomainError {
  return new DomainError("unauthenticated", "INVALID_REFRESH_TOKEN", "invalid refresh token");
}
