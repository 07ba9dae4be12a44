import { existsSync } from "node:fs";
import {
  LOG_LEVELS,
  RUN_MODES,
  type Config,
  type EncryptionConfig,
  type FlagdConfig,
  type RunMode,
  type SecurityConfig,
  type TlsConfig,
  type TokenConfig,
} from "./config.js";
import { ConfigError } from "./config-error.js";
import { readDatabaseConfig } from "./database-config.js";
import { EnvReader } from "./env-reader.js";

const PORT_RANGE = { min: 0, max: 65535 };
const ONE_DAY_SECONDS = 24 * 3600;
const ONE_YEAR_SECONDS = 365 * ONE_DAY_SECONDS;
const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{0,31}$/;
const DEFAULT_ENVIRONMENTS = ["development", "staging", "production"];
/** Below this, PBKDF2-SHA256 is too cheap to slow down an offline attack; tests may go lower outside production. */
const PRODUCTION_MIN_PASSWORD_ITERATIONS = 100_000;

/**
 * Reads the environment once into a frozen Config; throws ConfigError on the first invalid variable.
 * `.env` in the working directory is read only when the real process environment is used, and never
 * overrides a variable that is already set.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  if (env === process.env) loadDotEnvFile();
  const reader = new EnvReader(env);
  const mode: RunMode =
    reader.optionalOneOf("WARDEN_ENV", RUN_MODES) ?? (env["NODE_ENV"] === "production" ? "production" : "development");
  const tls = readTls(reader);
  const redisUrl = readRedisUrl(reader);

  return deepFreeze({
    mode,
    host: reader.string("HOST") ?? "0.0.0.0",
    grpcPort: reader.integer("PORT", 50051, PORT_RANGE),
    httpPort: reader.integer("HTTP_PORT", 8080, PORT_RANGE),
    logLevel: reader.oneOf("LOG_LEVEL", LOG_LEVELS, "info"),
    maxMessageBytes: reader.integer("GRPC_MAX_MESSAGE_BYTES", 4 * 1024 * 1024, { min: 1024, max: 2 ** 31 - 1 }),
    shutdownGraceMs: reader.integer("SHUTDOWN_GRACE_MS", 10_000, { min: 0, max: 600_000 }),
    ...(tls !== undefined && { tls }),
    database: readDatabaseConfig(reader),
    encryption: readEncryption(reader, mode),
    ...(redisUrl !== undefined && { redisUrl }),
    tokens: readTokens(reader),
    security: readSecurity(reader, mode),
    environments: readEnvironments(reader),
    flagd: readFlagd(reader),
  });
}

function loadDotEnvFile(): void {
  if (!existsSync(".env")) return;
  try {
    process.loadEnvFile(".env");
  } catch (error) {
    throw new ConfigError(".env", `cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function readTls(reader: EnvReader): TlsConfig | undefined {
  const certFile = reader.string("TLS_CERT_FILE");
  const keyFile = reader.string("TLS_KEY_FILE");
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined) return reader.fail("TLS_CERT_FILE", "must be set when TLS_KEY_FILE is set");
  if (keyFile === undefined) return reader.fail("TLS_KEY_FILE", "must be set when TLS_CERT_FILE is set");
  reader.requireReadableFile("TLS_CERT_FILE", certFile);
  reader.requireReadableFile("TLS_KEY_FILE", keyFile);
  return { certFile, keyFile };
}

function readRedisUrl(reader: EnvReader): string | undefined {
  const url = reader.string("REDIS_URL");
  if (url !== undefined && !/^rediss?:\/\/[^\s]+$/i.test(url)) {
    reader.fail("REDIS_URL", "must be a redis:// or rediss:// URL", url);
  }
  return url;
}

function readEncryption(reader: EnvReader, mode: RunMode): EncryptionConfig {
  const currentKey = reader.string("DATABASE_ENCRYPTION_KEY");
  const oldKeys = reader.list("DATABASE_ENCRYPTION_OLD_KEYS") ?? [];
  if (currentKey === undefined && oldKeys.length > 0) {
    reader.fail("DATABASE_ENCRYPTION_KEY", "must be set when DATABASE_ENCRYPTION_OLD_KEYS is set");
  }
  if (currentKey === undefined && mode === "production") {
    reader.fail("DATABASE_ENCRYPTION_KEY", "is required in production mode");
  }
  return {
    keys: currentKey === undefined ? [] : [currentKey, ...oldKeys],
    dataDir: reader.string("WARDEN_DATA_DIR") ?? ".tmp",
  };
}

function readTokens(reader: EnvReader): TokenConfig {
  const sessionMaxLifetimeSeconds = reader.integer("SESSION_MAX_LIFETIME_SECONDS", 30 * ONE_DAY_SECONDS, {
    min: 60,
    max: ONE_YEAR_SECONDS,
  });
  const refreshTtlSeconds = reader.integer("REFRESH_TOKEN_TTL_SECONDS", 7 * ONE_DAY_SECONDS, {
    min: 60,
    max: ONE_YEAR_SECONDS,
  });
  if (refreshTtlSeconds > sessionMaxLifetimeSeconds) {
    reader.fail(
      "REFRESH_TOKEN_TTL_SECONDS",
      `must not exceed SESSION_MAX_LIFETIME_SECONDS (${sessionMaxLifetimeSeconds})`,
      String(refreshTtlSeconds),
    );
  }
  return {
    issuer: reader.string("TOKEN_ISSUER") ?? "warden",
    audience: reader.string("TOKEN_AUDIENCE") ?? "warden",
    accessTtlSeconds: reader.integer("ACCESS_TOKEN_TTL_SECONDS", 900, { min: 10, max: ONE_DAY_SECONDS }),
    refreshTtlSeconds,
    sessionMaxLifetimeSeconds,
  };
}

function readSecurity(reader: EnvReader, mode: RunMode): SecurityConfig {
  const minIterations = mode === "production" ? PRODUCTION_MIN_PASSWORD_ITERATIONS : 1_000;
  return {
    maxFailedLogins: reader.integer("MAX_FAILED_LOGINS", 5, { min: 1, max: 1000 }),
    lockoutBaseSeconds: reader.integer("LOCKOUT_BASE_SECONDS", 60, { min: 1, max: ONE_DAY_SECONDS }),
    loginRateLimitPerMinute: reader.integer("LOGIN_RATE_LIMIT_PER_MINUTE", 30, { min: 1, max: 1_000_000 }),
    passwordIterations: reader.integer("PASSWORD_ITERATIONS", 600_000, { min: minIterations, max: 10_000_000 }),
  };
}

function readEnvironments(reader: EnvReader): string[] {
  const environments = reader.list("WARDEN_ENVIRONMENTS") ?? DEFAULT_ENVIRONMENTS;
  for (const environment of environments) {
    if (!ENVIRONMENT_NAME.test(environment)) {
      reader.fail("WARDEN_ENVIRONMENTS", `each name must match ${ENVIRONMENT_NAME.source}`, environment);
    }
  }
  const duplicate = environments.find((environment, index) => environments.indexOf(environment) !== index);
  if (duplicate !== undefined) reader.fail("WARDEN_ENVIRONMENTS", "must not repeat a name", duplicate);
  return [...environments];
}

function readFlagd(reader: EnvReader): FlagdConfig {
  const port = reader.optionalInteger("FLAGD_PORT", PORT_RANGE);
  const socketPath = reader.string("FLAGD_SOCKET");
  return { ...(port !== undefined && { port }), ...(socketPath !== undefined && { socketPath }) };
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (typeof child === "object" && child !== null) deepFreeze(child);
  }
  return Object.freeze(value);
}
