export { createAuthModule } from "./auth-module.js";
export type { AuthModule, AuthModuleDependencies } from "./auth-module.js";
export {
  bootstrapFirstAdmin,
  createAccount,
  createAccountDependencies,
  createAdmin,
  generatePassword,
} from "./use-cases/bootstrap-admin.js";
export type { BootstrappedAdmin, CreatedAccount, NewAccount } from "./use-cases/bootstrap-admin.js";
export type { AccountDependencies } from "./use-cases/users.js";
