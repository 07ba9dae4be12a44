import type { Logger } from "pino";
import type { Config } from "../config/index.js";
import type { Cipher, SecretHasher } from "../crypto/index.js";
import type { RateLimiters } from "../guards/index.js";
import type { AccessDirectory } from "./access-directory.js";
import type { AccessTokens, PasswordPolicy, TokenSigningKeys, Totp } from "./domain/index.js";
import type { Passwords } from "./passwords.js";

/** What the auth use cases share; built once per process by createAuthModule. */
export interface AuthDependencies {
  readonly config: Config;
  readonly logger: Logger;
  readonly rateLimiters: RateLimiters;
  readonly directory: AccessDirectory;
  readonly accessTokens: AccessTokens;
  readonly signingKeys: TokenSigningKeys;
  /** Bounded password hashing: every hash (login, CreateUser, bootstrap) goes through it. */
  readonly passwords: Passwords;
  readonly passwordPolicy: PasswordPolicy;
  readonly refreshTokenHasher: SecretHasher;
  readonly recoveryCodeHasher: SecretHasher;
  /**
   * Keyed hash of API keys. What is hashed is the WHOLE key string `wdn_<prefix>_<secret>`; the
   * authenticator verifies with `apiKeyHasher.verify(<whole key>, row.keyHash)`.
   */
  readonly apiKeyHasher: SecretHasher;
  readonly totp: Totp;
  /** Encrypts TOTP secrets at rest, bound to their user (see totpSecretAad). */
  readonly cipher: Cipher;
}

/** The additional authenticated data of a user's encrypted TOTP secret. */
export function totpSecretAad(userId: string): string {
  return `users/${userId}/totp`;
}
