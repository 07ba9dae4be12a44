import type { ServiceImpl } from "@connectrpc/connect";
import type { Logger } from "pino";
import type { AuthService } from "../../gen/warden/auth/v1/auth_service_pb.js";
import type { Config } from "../config/index.js";
import { createCipher, createSecretHasher, type KeyRing } from "../crypto/index.js";
import type { ChangeNotifier, Orm } from "../db/index.js";
import type { Authenticator, RateLimiters } from "../guards/index.js";
import { createAccessDirectory } from "./access-directory.js";
import { createApiKeyUsage } from "./api-key-usage.js";
import type { AuthDependencies } from "./auth-dependencies.js";
import { createAuthenticator } from "./authenticator.js";
import { createAccessTokens, createPasswordPolicy, createTotp, deriveTokenSigningKeys } from "./domain/index.js";
import { createAuthService } from "./handlers/auth-service.js";
import { createPasswords } from "./passwords.js";

export interface AuthModuleDependencies {
  readonly config: Config;
  readonly orm: Orm;
  readonly logger: Logger;
  readonly keyRing: KeyRing;
  readonly notifier: ChangeNotifier;
  readonly rateLimiters: RateLimiters;
}

export interface AuthModule {
  /** For the authenticate guard: credentials of a call -> principal. */
  readonly authenticate: Authenticator;
  readonly service: Partial<ServiceImpl<typeof AuthService>>;
  /** The public token-verification keys as an RFC 7517 JWK Set. */
  jwksJson(): string;
  /** Stops the background work and writes what is pending (API key last use). */
  close(): Promise<void>;
}

/** Seconds a verified token is still accepted after its `exp` (see access-tokens.ts), plus margin. */
const TOKEN_CLOCK_TOLERANCE_SECONDS = 5;
const REVOCATION_MARGIN_SECONDS = 60;
const TOTP_ISSUER = "Warden";

/**
 * Builds authentication and the AuthService once per process: signing keys, the password policy
 * (slow to load), the hashers and the access directory are shared by every call.
 */
export async function createAuthModule(deps: AuthModuleDependencies): Promise<AuthModule> {
  const { config, orm, logger, keyRing, notifier, rateLimiters } = deps;
  const signingKeys = await deriveTokenSigningKeys({ keys: keyRing.all, currentVersion: keyRing.current.version });
  const accessTokens = createAccessTokens({
    keys: signingKeys,
    issuer: config.tokens.issuer,
    audience: config.tokens.audience,
    ttlSeconds: config.tokens.accessTtlSeconds,
  });
  const passwordPolicy = createPasswordPolicy();
  const passwords = await createPasswords(config.security.passwordIterations);
  const apiKeyHasher = createSecretHasher(keyRing, "api-key-hash");
  const directory = await createAccessDirectory({
    orm,
    notifier,
    logger,
    revocationWindowSeconds: config.tokens.accessTtlSeconds + TOKEN_CLOCK_TOLERANCE_SECONDS + REVOCATION_MARGIN_SECONDS,
  });
  const apiKeyUsage = createApiKeyUsage({ orm, logger });

  const dependencies: AuthDependencies = {
    config,
    logger,
    rateLimiters,
    directory,
    accessTokens,
    signingKeys,
    passwords,
    passwordPolicy,
    refreshTokenHasher: createSecretHasher(keyRing, "refresh-token-hash"),
    recoveryCodeHasher: createSecretHasher(keyRing, "recovery-code-hash"),
    apiKeyHasher,
    totp: createTotp({ issuer: TOTP_ISSUER }),
    cipher: createCipher(keyRing),
  };
  const jwksJson = JSON.stringify(signingKeys.jwks());

  return {
    authenticate: createAuthenticator({ accessTokens, directory, apiKeyHasher, apiKeyUsage }),
    service: createAuthService(dependencies),
    jwksJson: () => jwksJson,
    async close() {
      directory.close();
      await apiKeyUsage.close();
    },
  };
}
