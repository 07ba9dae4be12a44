import { randomToken } from "../crypto/index.js";

/**
 * Refresh tokens are opaque to clients: `<session id>.<32 random bytes, base64url>`. The session
 * id lets the server find the session's row without scanning; only a keyed hash of the whole
 * token is stored.
 */
export function newRefreshToken(sessionId: string): string {
  return `${sessionId}.${randomToken(REFRESH_SECRET_BYTES)}`;
}

/** The session id a refresh token names, or undefined when it is not in the issued form. */
export function sessionIdOfRefreshToken(token: string): string | undefined {
  const match = REFRESH_TOKEN_FORM.exec(token);
  return match?.[1];
}

const REFRESH_SECRET_BYTES = 32;
const REFRESH_TOKEN_FORM = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.[A-Za-z0-9_-]{43}$/;
