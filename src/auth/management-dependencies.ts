import type { SecretHasher } from "../crypto/index.js";
import type { ChangeNotifier } from "../db/index.js";
import type { PasswordPolicy } from "./domain/index.js";

/** What the user, role and API key management methods need from the auth module that composes them. */
export interface ManagementDependencies {
  /** Announces committed access-control changes to every instance (access-events.ts). */
  notifier: ChangeNotifier;
  passwordPolicy: PasswordPolicy;
  /** PBKDF2 iterations for new password hashes (config `PASSWORD_ITERATIONS`). */
  passwordIterations: number;
  /**
   * Keyed hash of API keys. What is hashed is the WHOLE key string `wdn_<prefix>_<secret>`; the
   * authenticator verifies with `apiKeyHasher.verify(<whole key>, row.keyHash)`.
   */
  apiKeyHasher: SecretHasher;
}
