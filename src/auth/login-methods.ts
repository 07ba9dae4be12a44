import { randomUUID } from "node:crypto";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { AuthService } from "../../gen/warden/auth/v1/auth_service_pb.js";
import { auditActorOf } from "../audit/index.js";
import { randomToken } from "../crypto/index.js";
import { ApiKey, appendAuditEvent, User, type EntityManager } from "../db/index.js";
import { DomainError, invalidArgument, type FieldViolation } from "../errors/index.js";
import { ANONYMOUS, principalKey, type UserPrincipal } from "../guards/index.js";
import { publishAccessChange } from "./access-events.js";
import { totpSecretAad, type AuthRuntime } from "./auth-runtime.js";
import { callingUser, clientInfoOf, entityManagerOf } from "./call-context.js";
import { consumeRecoveryCodeWith, isLocked, lockoutAfterFailure, type Lockout } from "./domain/index.js";
import {
  claimTotpStep,
  countFailedLogin,
  lockUserRow,
  recordSuccessfulLogin,
  startLockout,
  storeRecoveryCodes,
  upgradePasswordHash,
  type SecondFactorState,
} from "./credential-store.js";
import { toApiKeyMessage, toUserMessage } from "./proto-mappers.js";
import { newRefreshToken, sessionIdOfRefreshToken } from "./refresh-tokens.js";
import { revokedSessions, revokeUserSessions } from "./session-revocation.js";
import { findSession, insertSession, rotateRefreshToken } from "./session-store.js";
import { findUserById, findUserByLogin, roleNamesOf } from "./user-repository.js";

type LoginMethods = Pick<ServiceImpl<typeof AuthService>, "login" | "refresh" | "logout" | "whoAmI" | "getJwks">;

const MAX_LOGIN_LENGTH = 254;
/** Far above the policy's 128: old passwords may be longer; anything beyond is not a password. */
const MAX_PASSWORD_LENGTH = 1024;
const MAX_CODE_LENGTH = 64;
const MAX_DEVICE_NAME_LENGTH = 128;
const JTI_BYTES = 16;
const LOGIN_RATE_WINDOW_SECONDS = 60;

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

export function createLoginMethods(rt: AuthRuntime): LoginMethods {
  const { config, notifier, directory, accessTokens, passwords, refreshTokenHasher } = rt;
  const { security, tokens } = config;
  const lockoutPolicy = { maxFailedAttempts: security.maxFailedLogins, baseLockoutSeconds: security.lockoutBaseSeconds };

  /** Audits a failed login and, when it counts, adds it to the user's failures (maybe locking the account). */
  const recordFailure = async (
    context: HandlerContext,
    login: string,
    user: User | null,
    reason: FailureReason,
    counts: boolean,
  ): Promise<void> => {
    const now = new Date();
    const lockout = await entityManagerOf(context).transactional(async (tx): Promise<Lockout | undefined> => {
      let failure: FailureReason = reason;
      let failedLoginCount: number | undefined;
      let lockout: Lockout | undefined;
      if (user !== null && counts) {
        const failures = await countFailedLogin(tx, user.id, now);
        if (failures === undefined) {
          failure = "locked";
        } else {
          failedLoginCount = failures.failedLoginCount;
          lockout = lockoutAfterFailure(failures, lockoutPolicy, now);
          if (lockout !== undefined) await startLockout(tx, user.id, lockout);
        }
      }
      const actor = auditActorOf(context, ANONYMOUS);
      await appendAuditEvent(tx, {
        ...actor,
        action: "auth.login.failed",
        resourceType: "user",
        resourceId: user?.id ?? null,
        details: { login, reason: failure, ...(failedLoginCount !== undefined && { failedLoginCount }) },
        occurredAt: now,
      });
      if (lockout !== undefined && user !== null) {
        await appendAuditEvent(tx, {
          ...actor,
          action: "auth.lockout",
          resourceType: "user",
          resourceId: user.id,
          details: {
            username: user.username,
            lockedUntil: lockout.lockedUntil.toISOString(),
            lockoutCount: lockout.lockoutCount,
          },
          occurredAt: now,
        });
      }
      return lockout;
    });
    if (lockout !== undefined && user !== null) {
      await publishAccessChange(notifier, { kind: "user", id: user.id }).catch(() => undefined);
    }
  };

  /** Checks the TOTP or recovery code of an enrolled user, inside the login transaction. */
  const checkSecondFactor = async (
    tx: EntityManager,
    user: User,
    state: SecondFactorState,
    totpCode: string,
    recoveryCode: string,
  ): Promise<"totp" | "recovery_code" | undefined> => {
    if (!state.totpEnabled) return undefined;
    if (totpCode !== "") {
      if (state.totpSecret === null) throw new LoginRefused("bad_totp_code", true);
      const secret = rt.cipher.decrypt(state.totpSecret, totpSecretAad(user.id));
      const verification = await rt.totp.verify(secret, totpCode, state.totpLastUsedStep);
      if (!verification.valid) {
        // Audited apart: a valid code seen again means it was observed by someone else.
        const replayed = state.totpLastUsedStep !== null && (await rt.totp.verify(secret, totpCode, null)).valid;
        throw new LoginRefused(replayed ? "totp_replay" : "bad_totp_code", true);
      }
      if (!(await claimTotpStep(tx, user.id, verification.step))) throw new LoginRefused("totp_replay", true);
      return "totp";
    }
    if (recoveryCode !== "") {
      const used = consumeRecoveryCodeWith(recoveryCode, state.recoveryCodes, (code, stored) =>
        rt.recoveryCodeHasher.verify(code, stored),
      );
      if (used === undefined) throw new LoginRefused("bad_recovery_code", true);
      await storeRecoveryCodes(tx, user.id, used.remaining);
      return "recovery_code";
    }
    throw new LoginRefused("totp_required", false);
  };

  return {
    async login(request, context) {
      const { ip, userAgent } = clientInfoOf(context);
      // Before any hashing: the limit exists to bound the work one address can cause.
      await rt.rateLimiters.consume("login-ip", ip ?? "unknown", security.loginRateLimitPerMinute, LOGIN_RATE_WINDOW_SECONDS);
      validateLoginRequest(request);
      const login = request.login.trim();
      const em = entityManagerOf(context);
      const user = await findUserByLogin(em, login);
      const passwordMatches = await passwords.verify(request.password, user?.passwordHash);
      const refuse = async (reason: FailureReason, counts: boolean): Promise<never> => {
        await recordFailure(context, login, user, reason, counts);
        throw invalidCredentials();
      };
      if (user === null) return refuse("unknown_user", false);
      const now = new Date();
      if (!user.isActive) return refuse("inactive", false);
      if (isLocked({ isLocked: user.isLocked, lockedUntil: user.lockedUntil ?? null }, now)) return refuse("locked", false);
      if (!passwordMatches) return refuse("bad_password", true);

      const upgradedHash = passwords.needsRehash(user.passwordHash) ? await passwords.hash(request.password) : undefined;
      const sessionId = randomUUID();
      const refreshToken = newRefreshToken(sessionId);
      const principal: UserPrincipal = {
        kind: "user",
        userId: user.id,
        username: user.username,
        sessionId,
        roles: [],
        permissions: new Set(),
      };
      const expiresAt = new Date(now.getTime() + tokens.sessionMaxLifetimeSeconds * 1000);
      // Signed before the transaction, not inside it: signing is a job on the thread pool, which
      // is busy hashing during a login storm, and the transaction would hold its connection (with
      // SQLite, the only one) while the job waits. Unused if the login is refused after all.
      const accessToken = await accessTokens.issue({ userId: user.id, username: user.username, sessionId }, { notAfter: expiresAt });
      /** The user's row as the login left it, unless a second factor or a hash upgrade changed it again. */
      let rowAfterLogin: Record<string, unknown> | undefined;
      try {
        await em.transactional(async (tx) => {
          const recorded = await recordSuccessfulLogin(tx, user.id, now);
          if (recorded === undefined) throw new LoginRefused("locked", false);
          const secondFactor = await checkSecondFactor(tx, user, recorded.secondFactor, request.totpCode.trim(), request.recoveryCode);
          if (upgradedHash !== undefined) await upgradePasswordHash(tx, user.id, user.passwordHash, upgradedHash);
          rowAfterLogin = secondFactor === undefined && upgradedHash === undefined ? recorded.row : undefined;
          await insertSession(tx, {
            id: sessionId,
            userId: user.id,
            tokenJti: accessToken.jti,
            refreshTokenJti: randomToken(JTI_BYTES),
            refreshTokenHash: refreshTokenHasher.hash(refreshToken),
            ip,
            userAgent,
            deviceName: request.deviceName.trim() || null,
            createdAt: now,
            expiresAt,
            refreshExpiresAt: new Date(now.getTime() + Math.min(tokens.refreshTtlSeconds, tokens.sessionMaxLifetimeSeconds) * 1000),
          });
          await appendAuditEvent(tx, {
            ...auditActorOf(context, principal),
            action: "auth.login.succeeded",
            resourceType: "user",
            resourceId: user.id,
            details: {
              sessionId,
              method: secondFactor === undefined ? "password" : `password+${secondFactor}`,
              ...(upgradedHash !== undefined && { passwordHashUpgraded: true }),
            },
            occurredAt: now,
          });
        });
      } catch (error) {
        if (!(error instanceof LoginRefused)) throw error;
        if (error.reason === "totp_required") {
          // The password was right: say what is missing (RFC 6238 clients then ask for a code).
          throw new DomainError("unauthenticated", "TOTP_REQUIRED", "a TOTP code or a recovery code is required");
        }
        return refuse(error.reason, error.counts);
      }
      if (user.lockedUntil != null) await publishAccessChange(notifier, { kind: "user", id: user.id }).catch(() => undefined);
      // The user as of this login: from the row its UPDATE returned, else read again.
      const fresh =
        rowAfterLogin !== undefined ? em.map(User, rowAfterLogin) : ((await em.findOne(User, { id: user.id }, { refresh: true })) ?? user);
      return {
        accessToken: accessToken.token,
        refreshToken,
        accessTokenExpiresAt: timestampFromDate(accessToken.expiresAt),
        sessionId,
        user: toUserMessage(fresh, await roleNamesOf(em, user.id), now),
      };
    },

    async refresh(request, context) {
      const token = request.refreshToken.trim();
      const sessionId = sessionIdOfRefreshToken(token);
      if (sessionId === undefined) throw invalidRefreshToken();
      const em = entityManagerOf(context);
      const now = new Date();
      const outcome = await em.transactional(async (tx) => {
        const session = await findSession(tx, sessionId);
        if (session === null || session.revokedAt != null) return { kind: "invalid" } as const;
        const userId = session.user.id;
        if (!refreshTokenHasher.verify(token, session.refreshTokenHash)) {
          const previous = session.previousRefreshTokenHash;
          if (previous == null || !refreshTokenHasher.verify(token, previous)) return { kind: "invalid" } as const;
          return revokeForReuse(tx, context, userId, sessionId, now);
        }
        if (session.expiresAt.getTime() <= now.getTime()) return { kind: "expired" } as const;
        if (session.refreshExpiresAt.getTime() <= now.getTime()) return { kind: "expired" } as const;
        const user = await findUserById(tx, userId);
        if (user === null || !user.isActive || user.isLocked) return { kind: "unavailable" } as const;
        const issued = await accessTokens.issue({ userId, username: user.username, sessionId }, { notAfter: session.expiresAt });
        const nextToken = newRefreshToken(sessionId);
        const rotated = await rotateRefreshToken(tx, sessionId, {
          expectedHash: session.refreshTokenHash,
          refreshTokenHash: refreshTokenHasher.hash(nextToken),
          refreshTokenJti: randomToken(JTI_BYTES),
          tokenJti: issued.jti,
          refreshExpiresAt: new Date(
            Math.min(now.getTime() + tokens.refreshTtlSeconds * 1000, session.expiresAt.getTime()),
          ),
          now,
        });
        // Rotated concurrently with the same token: two holders of one token, as with a reuse.
        if (!rotated) return revokeForReuse(tx, context, userId, sessionId, now);
        return { kind: "rotated", issued, refreshToken: nextToken } as const;
      });
      switch (outcome.kind) {
        case "invalid":
          throw invalidRefreshToken();
        case "expired":
          throw new DomainError("unauthenticated", "SESSION_EXPIRED", "the session has expired; log in again");
        case "unavailable":
          throw new DomainError("unauthenticated", "ACCOUNT_UNAVAILABLE", "the account is deactivated or locked");
        case "reused":
          directory.noteRevokedSessions(outcome.revoked.sessionIds);
          await outcome.revoked.publish();
          throw new DomainError(
            "unauthenticated",
            "REFRESH_TOKEN_REUSED",
            "this refresh token was already used; the session has been revoked",
          );
        case "rotated":
          return {
            accessToken: outcome.issued.token,
            refreshToken: outcome.refreshToken,
            accessTokenExpiresAt: timestampFromDate(outcome.issued.expiresAt),
            sessionId,
          };
      }
    },

    async logout(_request, context) {
      const caller = callingUser(context);
      const revoked = await entityManagerOf(context).transactional(async (tx) => {
        await lockUserRow(tx, caller.userId);
        const revoked = await revokeUserSessions(tx, notifier, caller.userId, {
          onlySessionId: caller.sessionId,
          reason: "logout",
        });
        await appendAuditEvent(tx, {
          ...auditActorOf(context),
          action: "auth.logout",
          resourceType: "session",
          resourceId: caller.sessionId,
        });
        return revoked;
      });
      directory.noteRevokedSessions(revoked.sessionIds);
      await revoked.publish();
      return {};
    },

    async whoAmI(_request, context) {
      const principal = context.values.get(principalKey);
      const em = entityManagerOf(context);
      const permissions = [...(principal.kind === "anonymous" ? [] : principal.permissions)].sort();
      if (principal.kind === "user") {
        const user = await findUserById(em, principal.userId);
        return {
          ...(user !== null && { user: toUserMessage(user, await roleNamesOf(em, user.id)) }),
          permissions,
          sessionId: principal.sessionId,
        };
      }
      if (principal.kind === "api-key") {
        const key = await em.findOne(ApiKey, { id: principal.apiKeyId });
        return { ...(key !== null && { apiKey: toApiKeyMessage(key) }), permissions };
      }
      return { permissions };
    },

    getJwks() {
      return { jwksJson: JSON.stringify(rt.signingKeys.jwks()) };
    },
  };

  /**
   * Revokes a session whose replaced refresh token came back. The audit row comes first: it takes
   * the revision lock before the session row, the order user management takes them in.
   */
  async function revokeForReuse(tx: EntityManager, context: HandlerContext, userId: string, sessionId: string, now: Date) {
    await appendAuditEvent(tx, {
      ...auditActorOf(context, ANONYMOUS),
      action: "auth.refresh.reuse_detected",
      resourceType: "session",
      resourceId: sessionId,
      details: { userId, sessionRevoked: true },
      occurredAt: now,
    });
    await revokeUserSessions(tx, notifier, userId, { onlySessionId: sessionId, reason: "refresh_token_reuse", at: now });
    // Announced even if a concurrent call revoked it first: announcing twice is harmless.
    return { kind: "reused", revoked: revokedSessions(notifier, [sessionId]) } as const;
  }
}

function validateLoginRequest(request: { login: string; password: string; totpCode: string; recoveryCode: string; deviceName: string }): void {
  const violations: FieldViolation[] = [];
  const check = (field: string, value: string, max: number, required: boolean) => {
    if (required && value.trim() === "") violations.push({ field, reason: "REQUIRED", description: "is required" });
    else if (value.length > max) violations.push({ field, reason: "TOO_LONG", description: `must be at most ${max} characters` });
  };
  check("login", request.login, MAX_LOGIN_LENGTH, true);
  check("password", request.password, MAX_PASSWORD_LENGTH, true);
  check("totp_code", request.totpCode, MAX_CODE_LENGTH, false);
  check("recovery_code", request.recoveryCode, MAX_CODE_LENGTH, false);
  check("device_name", request.deviceName, MAX_DEVICE_NAME_LENGTH, false);
  if (violations.length > 0) throw invalidArgument(violations);
}

function invalidCredentials(): DomainError {
  return new DomainError("unauthenticated", "INVALID_CREDENTIALS", "invalid credentials");
}

function invalidRefreshToken(): DomainError {
  return new DomainError("unauthenticated", "INVALID_REFRESH_TOKEN", "invalid refresh token");
}
