import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config/index.js";

function errorFor(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`no ConfigError for ${JSON.stringify(env)}`);
}

const SECRET = "s3cr3t-value-that-must-not-leak";

describe("loadConfig rejects invalid values", () => {
  it.each([
    [{ PORT: "abc" }, 'PORT: must be an integer between 0 and 65535 (got "abc")'],
    [{ PORT: "65536" }, 'PORT: must be an integer between 0 and 65535 (got "65536")'],
    [{ PORT: "80.5" }, 'PORT: must be an integer between 0 and 65535 (got "80.5")'],
    [{ PORT: "1e3" }, 'PORT: must be an integer between 0 and 65535 (got "1e3")'],
    [{ HTTP_PORT: "-1" }, 'HTTP_PORT: must be an integer between 0 and 65535 (got "-1")'],
    [{ GRPC_MAX_MESSAGE_BYTES: "10" }, 'GRPC_MAX_MESSAGE_BYTES: must be an integer between 1024 and 2147483647 (got "10")'],
    [{ SHUTDOWN_GRACE_MS: "soon" }, 'SHUTDOWN_GRACE_MS: must be an integer between 0 and 600000 (got "soon")'],
    [{ LOG_LEVEL: "verbose" }, 'LOG_LEVEL: must be one of trace, debug, info, warn, error, fatal, silent (got "verbose")'],
    [{ WARDEN_ENV: "staging" }, 'WARDEN_ENV: must be one of development, production (got "staging")'],
    [{ SQL_ECHO: "maybe" }, 'SQL_ECHO: must be one of true, false, 1, 0, yes, no (got "maybe")'],
    [{ DATABASE_CLIENT: "mysql" }, 'DATABASE_CLIENT: must be one of sqlite, postgres, postgresql (got "mysql")'],
    [{ DATABASE_PORT: "0" }, 'DATABASE_PORT: must be an integer between 1 and 65535 (got "0")'],
    [{ DATABASE_POOL_SIZE: "0" }, 'DATABASE_POOL_SIZE: must be an integer between 1 and 1000 (got "0")'],
    [{ DATABASE_MAX_OVERFLOW: "many" }, 'DATABASE_MAX_OVERFLOW: must be an integer between 0 and 1000 (got "many")'],
    [{ DATABASE_POOL_RECYCLE_SECONDS: "0" }, 'DATABASE_POOL_RECYCLE_SECONDS: must be an integer between 1 and 604800 (got "0")'],
    [
      { DATABASE_SSL_MODE: "on" },
      'DATABASE_SSL_MODE: must be one of disable, allow, prefer, require, verify-ca, verify-full (got "on")',
    ],
    [{ DATABASE_URL: "mysql://db/warden" }, 'DATABASE_URL: must be a postgres://, postgresql://, sqlite:/// or file: URL (got "mysql://db/warden")'],
    [
      { DATABASE_URL: "postgres://db/warden", DATABASE_CLIENT: "sqlite" },
      'DATABASE_URL: is a postgres URL but DATABASE_CLIENT is sqlite (got "postgres://db/warden")',
    ],
    [{ TLS_CERT_FILE: "cert.pem" }, "TLS_KEY_FILE: must be set when TLS_CERT_FILE is set"],
    [{ TLS_KEY_FILE: "key.pem" }, "TLS_CERT_FILE: must be set when TLS_KEY_FILE is set"],
    [
      { TLS_CERT_FILE: "/nonexistent/cert.pem", TLS_KEY_FILE: "package.json" },
      'TLS_CERT_FILE: must name a readable file (got "/nonexistent/cert.pem")',
    ],
    [
      { DATABASE_HOST: "db", DATABASE_SSL_ROOT_CERT: "/nonexistent/ca.pem" },
      'DATABASE_SSL_ROOT_CERT: must name a readable file (got "/nonexistent/ca.pem")',
    ],
    [
      { DATABASE_URL: "postgres://db/warden?sslrootcert=/nonexistent/ca.pem" },
      'DATABASE_URL: sslrootcert must name a readable file (got "/nonexistent/ca.pem")',
    ],
    [{ REDIS_URL: "localhost:6379" }, 'REDIS_URL: must be a redis:// or rediss:// URL (got "localhost:6379")'],
    [{ WARDEN_ENVIRONMENTS: "dev,,prod" }, 'WARDEN_ENVIRONMENTS: must be a comma-separated list without empty entries (got "dev,,prod")'],
    [{ WARDEN_ENVIRONMENTS: "dev,Prod" }, 'WARDEN_ENVIRONMENTS: each name must match ^[a-z][a-z0-9-]{0,31}$ (got "Prod")'],
    [{ WARDEN_ENVIRONMENTS: "dev,dev" }, 'WARDEN_ENVIRONMENTS: must not repeat a name (got "dev")'],
    [
      { REFRESH_TOKEN_TTL_SECONDS: "7200", SESSION_MAX_LIFETIME_SECONDS: "3600" },
      'REFRESH_TOKEN_TTL_SECONDS: must not exceed SESSION_MAX_LIFETIME_SECONDS (3600) (got "7200")',
    ],
    [{ ACCESS_TOKEN_TTL_SECONDS: "0" }, 'ACCESS_TOKEN_TTL_SECONDS: must be an integer between 10 and 86400 (got "0")'],
    [{ MAX_FAILED_LOGINS: "0" }, 'MAX_FAILED_LOGINS: must be an integer between 1 and 1000 (got "0")'],
    [{ LOCKOUT_BASE_SECONDS: "x" }, 'LOCKOUT_BASE_SECONDS: must be an integer between 1 and 86400 (got "x")'],
    [{ LOGIN_RATE_LIMIT_PER_MINUTE: "0" }, 'LOGIN_RATE_LIMIT_PER_MINUTE: must be an integer between 1 and 1000000 (got "0")'],
    [
      { WARDEN_ENV: "production", DATABASE_ENCRYPTION_KEY: "k", PASSWORD_ITERATIONS: "1000" },
      'PASSWORD_ITERATIONS: must be an integer between 100000 and 10000000 (got "1000")',
    ],
    [{ FLAGD_PORT: "flagd" }, 'FLAGD_PORT: must be an integer between 0 and 65535 (got "flagd")'],
    [{ WARDEN_ENV: "production" }, "DATABASE_ENCRYPTION_KEY: is required in production mode"],
    [{ DATABASE_ENCRYPTION_OLD_KEYS: "old" }, "DATABASE_ENCRYPTION_KEY: must be set when DATABASE_ENCRYPTION_OLD_KEYS is set"],
  ])("%j", (env, message) => {
    const error = errorFor(env);
    expect(error.message).toBe(message);
    expect(error.message).not.toContain("\n");
    expect(error.variable).toBe(message.split(":")[0]);
  });

  it("keeps the message on one line whatever the value holds", () => {
    expect(errorFor({ LOG_LEVEL: "info\nfatal" }).message).toBe(
      'LOG_LEVEL: must be one of trace, debug, info, warn, error, fatal, silent (got "info\\nfatal")',
    );
  });

  it("never echoes a secret", () => {
    const messages = [
      errorFor({ DATABASE_ENCRYPTION_OLD_KEYS: `${SECRET},,other`, DATABASE_ENCRYPTION_KEY: SECRET }).message,
      errorFor({ DATABASE_URL: `postgres://warden:${SECRET}@db/warden?sslmode=sometimes` }).message,
      errorFor({ DATABASE_URL: `mysql://warden:${SECRET}@db/warden` }).message,
      errorFor({ DATABASE_URL: `postgres://warden:${SECRET}@db/warden`, DATABASE_CLIENT: "sqlite" }).message,
      errorFor({ REDIS_URL: `http://default:${SECRET}@cache:6379` }).message,
    ];
    for (const message of messages) expect(message).not.toContain(SECRET);
    expect(messages[1]).toBe(
      'DATABASE_URL: sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full (got "postgres://warden:***@db/warden?sslmode=sometimes")',
    );
  });
});
