import type { HandlerContext } from "@connectrpc/connect";
import { parseApiKey, type SecretHasher } from "../crypto/index.js";
import { DomainError } from "../errors/index.js";
import { clientKey, type ApiKeyPrincipal, type Authenticator, type UserPrincipal } from "../guards/index.js";
import type { AccessDirectory } from "./access-directory.js";
import type { ApiKeyUsage } from "./api-key-usage.js";
import { apiKeyPermissions, isAddressAllowed, type AccessTokens } from "./domain/index.js";

export interface AuthenticatorDependencies {
  readonly accessTokens: AccessTokens;
  readonly directory: AccessDirectory;
  readonly apiKeyHasher: SecretHasher;
  readonly apiKeyUsage: ApiKeyUsage;
  /** Milliseconds since the epoch. */
  readonly now?: () => number;
}

const BEARER = /^bearer +(\S+) *$/i;
/** Far longer than any token or key Warden issues; longer values are refused unread. */
const MAX_CREDENTIAL_LENGTH = 4096;

/**
 * Turns `authorization: Bearer <access JWT>` or `x-api-key: wdn_…` into a principal, reading
 * only memory on the common path: the verified-token cache, the revoked-session set and the
 * access directory. Messages are generic and never echo what was presented.
 */
export function createAuthenticator(deps: AuthenticatorDependencies): Authenticator {
  const { accessTokens, directory, apiKeyHasher, apiKeyUsage, now = Date.now } = deps;

  const authenticateToken = async (header: string): Promise<UserPrincipal> => {
    const match = header.length <= MAX_CREDENTIAL_LENGTH ? BEARER.exec(header) : null;
    if (match === null) throw invalid("INVALID_TOKEN", "authorization must be a bearer access token");
    const claims = await accessTokens.verify(match[1] as string);
    if (directory.isSessionRevoked(claims.sessionId)) throw invalid("SESSION_REVOKED", "the session has ended");
    const user = await directory.user(claims.userId);
    if (user === undefined || !user.isActive || user.isLocked) {
      throw invalid("ACCOUNT_UNAVAILABLE", "the account is deactivated or locked");
    }
    return {
      kind: "user",
      userId: user.id,
      username: user.username,
      sessionId: claims.sessionId,
      roles: user.roles,
      permissions: directory.permissionsOf(user.roles),
    };
  };

  const authenticateApiKey = async (key: string, context: HandlerContext): Promise<ApiKeyPrincipal> => {
    const parts = key.length <= MAX_CREDENTIAL_LENGTH ? parseApiKey(key.trim()) : undefined;
    const stored = parts === undefined ? undefined : await directory.apiKey(parts.prefix);
    if (stored === undefined || !apiKeyHasher.verify(key.trim(), stored.keyHash)) {
      throw invalid("INVALID_API_KEY", "invalid API key");
    }
    const at = now();
    if (stored.revokedAt !== null && stored.revokedAt.getTime() <= at) throw invalid("API_KEY_REVOKED", "the API key was revoked");
    if (stored.expiresAt !== null && stored.expiresAt.getTime() <= at) throw invalid("API_KEY_EXPIRED", "the API key has expired");
    if (!isAddressAllowed(stored.allowedSources, context.values.get(clientKey).ip ?? undefined)) {
      throw new DomainError("permission-denied", "SOURCE_ADDRESS_NOT_ALLOWED", "the API key may not be used from this address");
    }
    const owner = await directory.user(stored.userId);
    if (owner === undefined || !owner.isActive || owner.isLocked) {
      throw invalid("ACCOUNT_UNAVAILABLE", "the API key's owner is deactivated or locked");
    }
    apiKeyUsage.noteUse(stored.id, new Date(at));
    return {
      kind: "api-key",
      apiKeyId: stored.id,
      userId: owner.id,
      username: owner.username,
      // The owner's current roles: a permission the owner loses leaves the key at once.
      permissions: apiKeyPermissions(stored.permissions, directory.permissionsOf(owner.roles)),
      ...(stored.rateLimitPerHour !== null && { rateLimitPerHour: stored.rateLimitPerHour }),
    };
  };

  return async (context) => {
    const authorization = context.requestHeader.get("authorization");
    const apiKey = context.requestHeader.get("x-api-key");
    if (authorization !== null && apiKey !== null) {
      throw invalid("AMBIGUOUS_CREDENTIALS", "send either an access token or an API key, not both");
    }
    if (authorization !== null) return authenticateToken(authorization);
    if (apiKey !== null) return authenticateApiKey(apiKey, context);
    return undefined;
  };
}

function invalid(reason: string, message: string): DomainError {
  return new DomainError("unauthenticated", reason, message);
}
