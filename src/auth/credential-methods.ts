import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { AuthService } from "../../gen/warden/auth/v1/auth_service_pb.js";
import { auditActorOf } from "../audit/index.js";
import { appendAuditEvent, User, type EntityManager } from "../db/index.js";
import { DomainError, invalidArgument } from "../errors/index.js";
import { principalKey } from "../guards/index.js";
import { totpSecretAad, type AuthRuntime } from "./auth-runtime.js";
import { callingUser, entityManagerOf, requireId } from "./call-context.js";
import { consumeRecoveryCodeWith, generateRecoveryCodes, normalizeRecoveryCode } from "./domain/index.js";
import { claimTotpStep, updateUserRows } from "./credential-store.js";
import { revokeUserSessions, type SessionRevocationReason } from "./session-revocation.js";
import { findUserById } from "./user-repository.js";

type CredentialMethods = Pick<
  ServiceImpl<typeof AuthService>,
  "changePassword" | "enrollTotp" | "confirmTotp" | "disableTotp" | "resetUserTotp"
>;

const REAUTH_WINDOW_SECONDS = 60;
const MAX_SECRET_INPUT_LENGTH = 1024;
const TOTP_CODE = /^\d{6}$/;

/** A change of a user's credential: what `changeCredential` does in one transaction. */
interface CredentialChange {
  readonly userId: string;
  /** Updates the user's row; throws the RPC's own error when the row changed meanwhile. */
  readonly update: (tx: EntityManager) => Promise<void>;
  /** The session that survives (the caller's own); every other session of the user is revoked. */
  readonly keepSessionId: string | undefined;
  readonly reason: SessionRevocationReason;
  readonly action: string;
  /** The audit event's details, given how many sessions were revoked. */
  readonly details: (revokedSessions: number) => Record<string, unknown>;
  readonly at: Date;
}

/**
 * A user's own credentials (password, TOTP), and the administrator's TOTP reset. Every change of
 * a credential revokes the user's other sessions: whoever else held one may have known the old
 * credential.
 */
export function createCredentialMethods(rt: AuthRuntime): CredentialMethods {
  const { config, notifier, directory, passwords, passwordPolicy, totp, cipher } = rt;

  /**
   * The calling user's row, after proving the caller still knows a credential. Attempts are
   * limited per user, so a stolen access token cannot be used to guess the password quickly.
   */
  const limitReauthentication = (userId: string) =>
    rt.rateLimiters.consume("reauthenticate-user", userId, config.security.loginRateLimitPerMinute, REAUTH_WINDOW_SECONDS);

  const loadCaller = async (context: HandlerContext): Promise<User> => {
    const caller = callingUser(context);
    const user = await findUserById(entityManagerOf(context), caller.userId);
    if (user === null) throw new DomainError("unauthenticated", "ACCOUNT_UNAVAILABLE", "the account no longer exists");
    return user;
  };

  const requirePassword = async (user: User, password: string, field: string): Promise<void> => {
    checkLength(field, password);
    if (!(await passwords.verify(password, user.passwordHash))) {
      throw new DomainError("invalid-argument", "INCORRECT_PASSWORD", `${field} is incorrect`, {
        fieldViolations: [{ field, reason: "INCORRECT", description: "is incorrect" }],
      });
    }
  };

  /**
   * Updates the user's row, revokes the user's other sessions and appends the audit event, in one
   * transaction; then announces the revoked sessions. Returns how many were revoked.
   */
  const changeCredential = async (context: HandlerContext, change: CredentialChange): Promise<number> => {
    const revoked = await entityManagerOf(context).transactional(async (tx) => {
      await change.update(tx);
      const revoked = await revokeUserSessions(tx, notifier, change.userId, {
        ...(change.keepSessionId !== undefined && { exceptSessionId: change.keepSessionId }),
        reason: change.reason,
        at: change.at,
      });
      await appendAuditEvent(tx, {
        ...auditActorOf(context),
        action: change.action,
        resourceType: "user",
        resourceId: change.userId,
        details: change.details(revoked.count),
        occurredAt: change.at,
      });
      return revoked;
    });
    directory.noteRevokedSessions(revoked.sessionIds);
    await revoked.publish();
    return revoked.count;
  };

  return {
    async changePassword(request, context) {
      const caller = callingUser(context);
      if (request.newPassword === "") {
        throw invalidArgument([{ field: "new_password", reason: "REQUIRED", description: "is required" }]);
      }
      await limitReauthentication(caller.userId);
      const user = await loadCaller(context);
      await requirePassword(user, request.currentPassword, "current_password");
      passwordPolicy.assert(request.newPassword, { username: user.username, email: user.email }, "new_password");
      if (request.newPassword === request.currentPassword) {
        throw invalidArgument([
          { field: "new_password", reason: "UNCHANGED", description: "must differ from the current password" },
        ]);
      }
      const newHash = await passwords.hash(request.newPassword);
      const now = new Date();
      const revokedSessions = await changeCredential(context, {
        userId: user.id,
        async update(tx) {
          const updated = await updateUserRows(
            tx,
            { id: user.id, passwordHash: user.passwordHash },
            { passwordHash: newHash, passwordChangedAt: now, updatedAt: now },
          );
          if (updated !== 1) {
            throw new DomainError("version-conflict", "PASSWORD_CHANGED_CONCURRENTLY", "the password was changed meanwhile; try again");
          }
        },
        keepSessionId: caller.sessionId,
        reason: "password_changed",
        action: "auth.password.changed",
        details: (revokedSessions) => ({ revokedSessions }),
        at: now,
      });
      return { revokedSessions };
    },

    async enrollTotp(request, context) {
      const caller = callingUser(context);
      await limitReauthentication(caller.userId);
      const user = await loadCaller(context);
      await requirePassword(user, request.password, "password");
      if (user.totpEnabled) throw totpAlreadyEnabled();
      const secret = totp.generateSecret();
      const now = new Date();
      await entityManagerOf(context).transactional(async (tx) => {
        const updated = await updateUserRows(
          tx,
          { id: user.id, totpEnabled: false },
          { totpSecret: cipher.encrypt(secret, totpSecretAad(user.id)), totpLastUsedStep: null, updatedAt: now },
        );
        if (updated !== 1) throw totpAlreadyEnabled();
        await appendAuditEvent(tx, {
          ...auditActorOf(context),
          action: "auth.totp.enrollment_started",
          resourceType: "user",
          resourceId: user.id,
          occurredAt: now,
        });
      });
      return { secret, otpauthUri: totp.uri(secret, user.username) };
    },

    async confirmTotp(request, context) {
      const caller = callingUser(context);
      const code = request.code.trim();
      if (code === "") throw invalidArgument([{ field: "code", reason: "REQUIRED", description: "is required" }]);
      await limitReauthentication(caller.userId);
      const user = await loadCaller(context);
      if (user.totpEnabled) throw totpAlreadyEnabled();
      const storedSecret = user.totpSecret;
      if (storedSecret == null) {
        throw new DomainError("failed-precondition", "TOTP_NOT_ENROLLED", "call EnrollTotp first");
      }
      const verification = await totp.verify(cipher.decrypt(storedSecret, totpSecretAad(user.id)), code, user.totpLastUsedStep ?? null);
      if (!verification.valid) throw invalidTotpCode("code");
      const recoveryCodes = generateRecoveryCodes();
      const now = new Date();
      await changeCredential(context, {
        userId: user.id,
        async update(tx) {
          const updated = await updateUserRows(
            tx,
            { id: user.id, totpEnabled: false, totpSecret: storedSecret },
            {
              totpEnabled: true,
              totpLastUsedStep: verification.step,
              recoveryCodes: recoveryCodes.map((recoveryCode) => rt.recoveryCodeHasher.hash(normalizeRecoveryCode(recoveryCode))),
              updatedAt: now,
            },
          );
          if (updated !== 1) {
            throw new DomainError("failed-precondition", "TOTP_ENROLLMENT_CHANGED", "the enrolment changed meanwhile; enrol again");
          }
        },
        keepSessionId: caller.sessionId,
        reason: "totp_changed",
        action: "auth.totp.enabled",
        details: (revokedSessions) => ({ revokedSessions, recoveryCodesIssued: recoveryCodes.length }),
        at: now,
      });
      return { recoveryCodes };
    },

    async disableTotp(request, context) {
      const caller = callingUser(context);
      const code = request.code.trim();
      if (request.password === "" && code === "") {
        throw invalidArgument([
          { field: "password", reason: "REQUIRED", description: "the password or a current code is required" },
        ]);
      }
      await limitReauthentication(caller.userId);
      const user = await loadCaller(context);
      if (!user.totpEnabled || user.totpSecret == null) {
        throw new DomainError("failed-precondition", "TOTP_NOT_ENABLED", "TOTP is not enabled");
      }
      let claimStep: number | undefined;
      if (request.password !== "") {
        await requirePassword(user, request.password, "password");
      } else if (TOTP_CODE.test(code)) {
        const verification = await totp.verify(cipher.decrypt(user.totpSecret, totpSecretAad(user.id)), code, user.totpLastUsedStep ?? null);
        if (!verification.valid) throw invalidTotpCode("code");
        claimStep = verification.step;
      } else {
        checkLength("code", code);
        const matched = consumeRecoveryCodeWith(code, user.recoveryCodes, (normalized, stored) =>
          rt.recoveryCodeHasher.verify(normalized, stored),
        );
        if (matched === undefined) throw invalidTotpCode("code");
      }
      const now = new Date();
      const proof = request.password !== "" ? "password" : claimStep !== undefined ? "totp" : "recovery_code";
      await changeCredential(context, {
        userId: user.id,
        async update(tx) {
          if (claimStep !== undefined && !(await claimTotpStep(tx, user.id, claimStep))) throw invalidTotpCode("code");
          await clearTotp(tx, user.id, now);
        },
        keepSessionId: caller.sessionId,
        reason: "totp_changed",
        action: "auth.totp.disabled",
        details: (revokedSessions) => ({ revokedSessions, proof }),
        at: now,
      });
      return {};
    },

    async resetUserTotp(request, context) {
      const userId = requireId("user_id", request.userId);
      const user = await findUserById(entityManagerOf(context), userId);
      if (user === null) throw new DomainError("not-found", "USER_NOT_FOUND", "no such user", { metadata: { user_id: userId } });
      if (!user.totpEnabled && user.totpSecret == null) return {};
      const principal = context.values.get(principalKey);
      const now = new Date();
      await changeCredential(context, {
        userId,
        update: (tx) => clearTotp(tx, userId, now),
        // Whoever held the lost device may hold sessions too; the administrator's own call survives.
        keepSessionId: principal.kind === "user" && principal.userId === userId ? principal.sessionId : undefined,
        reason: "totp_changed",
        action: "auth.totp.reset",
        details: (revokedSessions) => ({ username: user.username, revokedSessions }),
        at: now,
      });
      return {};
    },
  };
}

async function clearTotp(tx: EntityManager, userId: string, now: Date): Promise<void> {
  await updateUserRows(
    tx,
    { id: userId },
    { totpEnabled: false, totpSecret: null, totpLastUsedStep: null, recoveryCodes: [], updatedAt: now },
  );
}

function checkLength(field: string, value: string): void {
  if (value.length > MAX_SECRET_INPUT_LENGTH) {
    throw invalidArgument([{ field, reason: "TOO_LONG", description: `must be at most ${MAX_SECRET_INPUT_LENGTH} characters` }]);
  }
}

function totpAlreadyEnabled(): DomainError {
  return new DomainError("failed-precondition", "TOTP_ALREADY_ENABLED", "TOTP is already enabled; disable it first");
}

function invalidTotpCode(field: string): DomainError {
  return new DomainError("invalid-argument", "INVALID_TOTP_CODE", "the code is not valid", {
    fieldViolations: [{ field, reason: "INVALID_CODE", description: "is not a valid current code" }],
  });
}
