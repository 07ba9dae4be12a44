export { createAuthModule } from "./auth-module.js";
export type { AuthModule, AuthModuleDependencies } from "./auth-module.js";
export { bootstrapFirstAdmin, createAccount, createAdmin, generatePassword } from "./bootstrap-admin.js";
export type { BootstrappedAdmin, CreatedAccount, NewAccount, NewAdmin } from "./bootstrap-admin.js";
export { revokeUserSessions } from "./session-revocation.js";
export type { RevokedSessions, RevokeUserSessionsOptions, SessionRevocationReason } from "./session-revocation.js";
