export { createAccessTokens } from "./access-tokens.js";
export type {
  AccessTokenClaims,
  AccessTokens,
  AccessTokensOptions,
  AccessTokenSubject,
  IssuedAccessToken,
  IssueOptions,
} from "./access-tokens.js";
export { isLocked, lockoutAfterFailure, lockoutDuration, MAX_LOCKOUT_SECONDS } from "./lockout.js";
export type { Lockout, LockoutPolicy, LockoutState } from "./lockout.js";
export { createPasswordPolicy, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "./password-policy.js";
export type { PasswordOwner, PasswordPolicy } from "./password-policy.js";
export { apiKeyPermissions, effectivePermissions, ungrantablePermissions } from "./permission-set.js";
export {
  consumeRecoveryCode,
  generateRecoveryCodes,
  normalizeRecoveryCode,
} from "./recovery-codes.js";
export { deriveTokenSigningKeys } from "./token-signing-keys.js";
export type {
  Ed25519PublicJwk,
  JsonWebKeySet,
  SigningKey,
  TokenSigningKeys,
  TokenSigningKeysOptions,
} from "./token-signing-keys.js";
export { createTotp } from "./totp.js";
export type { Totp, TotpOptions, TotpVerification } from "./totp.js";
export { VerifiedTokenCache } from "./verified-token-cache.js";
export type { VerifiedTokenCacheOptions, VerifiedTokenCacheStats } from "./verified-token-cache.js";
export { requireId, requireText } from "./request-fields.js";
export { emailViolations, normalizeEmail, usernameViolations } from "./user-identity.js";
export { blockListOf, isAddressAllowed, parseCidrs } from "./cidrs.js";
export { roleDescriptionViolations, roleNameViolations, rolePermissionListViolations, unknownPermissionViolations } from "./role-rules.js";
export { validateApiKeySpec } from "./api-key-rules.js";
export type { ApiKeySpec, ValidApiKeySpec } from "./api-key-rules.js";
export { validateLoginRequest } from "./login-request.js";
export type { LoginRequest, ValidLoginRequest } from "./login-request.js";
export { checkSecretLength, isTotpCodeForm } from "./credential-input.js";
