export { constantTimeEqual, generateApiKey, hashSecret, parseApiKey } from "./api-key.js";
export type { ApiKeyParts, GeneratedApiKey } from "./api-key.js";
export { createCipher } from "./cipher.js";
export type { Cipher } from "./cipher.js";
export { DecryptionError } from "./decryption-error.js";
export type { DecryptionFailureReason } from "./decryption-error.js";
export { deriveSubKey } from "./hkdf.js";
export type { SubKeyPurpose } from "./hkdf.js";
export { generateKeySpec, KeyRing, parseKeySpec } from "./key-ring.js";
export type { VersionedKey } from "./key-ring.js";
export {
  DEFAULT_PASSWORD_ITERATIONS,
  hashPassword,
  LEGACY_PASSWORD_ITERATIONS,
  passwordNeedsRehash,
  verifyPassword,
} from "./password.js";
export { randomToken } from "./random.js";
export { createSecretHasher } from "./secret-hasher.js";
export type { SecretHasher } from "./secret-hasher.js";
export { DEVELOPMENT_KEY_FILE, loadKeyRing } from "./load-key-ring.js";
export { isEncrypted } from "./stored-ciphertext.js";
