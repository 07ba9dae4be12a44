import type { Logger } from "pino";
import type { Config } from "../config/index.js";
import type { Cipher, SecretHasher } from "../crypto/index.js";
import type { ChangeNotifier } from "../db/index.js";
import type { RateLimiters } from "../guards/index.js";
import type { AccessDirectory } from "./access-directory.js";
import type { AccessTokens, PasswordPolicy, TokenSigningKeys, Totp } from "./domain/index.js";
import type { Passwords } from "./passwords.js";

/** What the login, session and credential handlers share; built once by createAuthModule. */
export interface AuthRuntime {
  readonly config: Config;
  readonly logger: Logger;
  readonly notifier: ChangeNotifier;
  readonly rateLimiters: RateLimiters;
  readonly directory: AccessDirectory;
  readonly accessTokens: AccessTokens;
  readonly signingKeys: TokenSigningKeys;
  readonly passwords: Passwords;
  readonly passwordPolicy: PasswordPolicy;
  readonly refreshTokenHasher: SecretHasher;
  readonly recoveryCodeHasher: SecretHasher;
  readonly totp: Totp;
  /** Encrypts TOTP secrets at rest, bound to their user (see totpSecretAad). */
  readonly cipher: Cipher;
}

/** The additional authenticated data of a user's encrypted TOTP secret. */
export function totpSecretAad(userId: string): string {
  return `users/${userId}/totp`;
}
