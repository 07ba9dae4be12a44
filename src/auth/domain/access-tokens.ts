import { errors, jwtVerify, SignJWT } from "jose";
import type { JWTHeaderParameters, JWTPayload } from "jose";
import { randomToken } from "../../crypto/index.js";
import { DomainError } from "../../errors/index.js";
import type { TokenSigningKeys } from "./token-signing-keys.js";
import { VerifiedTokenCache } from "./verified-token-cache.js";

export interface AccessTokenSubject {
  readonly userId: string;
  readonly username: string;
  readonly sessionId: string;
}

export interface AccessTokenClaims extends AccessTokenSubject {
  readonly jti: string;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
}

export interface IssuedAccessToken {
  readonly token: string;
  readonly jti: string;
  readonly expiresAt: Date;
}

export interface IssueOptions {
  /**
   * The token expires no later than this (e.g. the end of its session's absolute lifetime), so
   * a token issued near the end of a session does not outlive it.
   */
  readonly notAfter?: Date;
}

export interface AccessTokens {
  issue(subject: AccessTokenSubject, options?: IssueOptions): Promise<IssuedAccessToken>;
  /**
   * Checks signature and claims, or finds the token among those already checked. Says nothing
   * about revocation: the caller still checks the session.
   */
  verify(token: string): Promise<AccessTokenClaims>;
}

export interface AccessTokensOptions {
  readonly keys: TokenSigningKeys;
  readonly issuer: string;
  readonly audience: string;
  readonly ttlSeconds: number;
  /** Milliseconds since the epoch. */
  readonly now?: () => number;
  readonly verifiedTokens?: VerifiedTokenCache<AccessTokenClaims>;
}

const ALGORITHM = "EdDSA";
const TOKEN_TYPE = "JWT";
const CLOCK_TOLERANCE_SECONDS = 5;
const JTI_BYTES = 16;
const DEFAULT_CACHE_ENTRIES = 10_000;
const REQUIRED_CLAIMS = ["sub", "sid", "jti", "name", "iat", "exp"];

export function createAccessTokens({
  keys,
  issuer,
  audience,
  ttlSeconds,
  now = Date.now,
  verifiedTokens = new VerifiedTokenCache<AccessTokenClaims>({ maxEntries: DEFAULT_CACHE_ENTRIES, now }),
}: AccessTokensOptions): AccessTokens {
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1) {
    throw new Error(`access token ttlSeconds must be a positive integer, got ${ttlSeconds}`);
  }

  const selectKey = (header: JWTHeaderParameters) => {
    const key = header.kid === undefined ? undefined : keys.verificationKey(header.kid);
    if (key === undefined) throw new Error("unknown or missing kid");
    return key;
  };

  return {
    async issue({ userId, username, sessionId }, options = {}) {
      const issuedAt = Math.floor(now() / 1000);
      const notAfter = options.notAfter === undefined ? Number.POSITIVE_INFINITY : Math.floor(options.notAfter.getTime() / 1000);
      const expiresAt = Math.min(issuedAt + ttlSeconds, notAfter);
      const jti = randomToken(JTI_BYTES);
      const token = await new SignJWT({ sid: sessionId, name: username })
        .setProtectedHeader({ alg: ALGORITHM, typ: TOKEN_TYPE, kid: keys.signing.kid })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(userId)
        .setJti(jti)
        .setIssuedAt(issuedAt)
        .setExpirationTime(expiresAt)
        .sign(keys.signing.privateKey);
      return { token, jti, expiresAt: new Date(expiresAt * 1000) };
    },

    async verify(token) {
      const cached = verifiedTokens.get(token);
      if (cached !== undefined) return cached;
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, selectKey, {
          algorithms: [ALGORITHM],
          typ: TOKEN_TYPE,
          issuer,
          audience,
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          currentDate: new Date(now()),
          requiredClaims: REQUIRED_CLAIMS,
        }));
      } catch (error) {
        throw error instanceof errors.JWTExpired ? tokenExpired() : invalidToken();
      }
      const claims = toClaims(payload);
      verifiedTokens.set(token, claims, claims.expiresAt.getTime());
      return claims;
    },
  };
}

function toClaims({ sub, sid, jti, name, iat, exp }: JWTPayload): AccessTokenClaims {
  if (!isNonEmptyString(sub) || !isNonEmptyString(sid) || !isNonEmptyString(jti) || !isNonEmptyString(name)) {
    throw invalidToken();
  }
  if (typeof iat !== "number" || typeof exp !== "number") throw invalidToken();
  return {
    userId: sub,
    username: name,
    sessionId: sid,
    jti,
    issuedAt: new Date(iat * 1000),
    expiresAt: new Date(exp * 1000),
  };
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === "string" && value.length > 0;
}

function invalidToken(): DomainError {
  return new DomainError("unauthenticated", "INVALID_TOKEN", "invalid access token");
}

function tokenExpired(): DomainError {
  return new DomainError("unauthenticated", "TOKEN_EXPIRED", "access token expired");
}
