import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig, type Config } from "../src/config/index.js";

const KEY = "q2Zs3Yb3cJ0x9p8gYtq1VfDk2mA0cF4hR5sT6uV7wXw=";

describe("loadConfig defaults", () => {
  it("runs on an embedded SQLite file with no configuration at all", () => {
    const expected: Config = {
      mode: "development",
      host: "0.0.0.0",
      grpcPort: 50051,
      httpPort: 8080,
      logLevel: "info",
      maxMessageBytes: 4 * 1024 * 1024,
      shutdownGraceMs: 10_000,
      database: {
        client: "sqlite",
        port: 5432,
        name: "warden",
        filename: ".tmp/data.db",
        poolSize: 20,
        maxOverflow: 40,
        sslMode: "disable",
        echo: false,
        recycleSeconds: 3600,
      },
      encryption: { keys: [], dataDir: ".tmp" },
      tokens: {
        issuer: "warden",
        audience: "warden",
        accessTtlSeconds: 900,
        refreshTtlSeconds: 7 * 24 * 3600,
        sessionMaxLifetimeSeconds: 30 * 24 * 3600,
      },
      security: { maxFailedLogins: 5, lockoutBaseSeconds: 60, loginRateLimitPerMinute: 30, passwordIterations: 600_000 },
      environments: ["development", "staging", "production"],
      flagd: {},
    };
    expect(loadConfig({})).toEqual(expected);
  });

  it("reads every variable", () => {
    const config = loadConfig({
      WARDEN_ENV: "production",
      HOST: "127.0.0.1",
      PORT: "0",
      HTTP_PORT: "9090",
      LOG_LEVEL: "DEBUG",
      GRPC_MAX_MESSAGE_BYTES: "1048576",
      SHUTDOWN_GRACE_MS: "2500",
      TLS_CERT_FILE: "package.json",
      TLS_KEY_FILE: "tsconfig.json",
      DATABASE_ENCRYPTION_KEY: KEY,
      DATABASE_ENCRYPTION_OLD_KEYS: " old-1 , old-2 ",
      WARDEN_DATA_DIR: "/var/lib/warden",
      REDIS_URL: "redis://cache:6379/0",
      TOKEN_ISSUER: "https://warden.example.com",
      TOKEN_AUDIENCE: "platform",
      ACCESS_TOKEN_TTL_SECONDS: "300",
      REFRESH_TOKEN_TTL_SECONDS: "3600",
      SESSION_MAX_LIFETIME_SECONDS: "86400",
      MAX_FAILED_LOGINS: "3",
      LOCKOUT_BASE_SECONDS: "120",
      LOGIN_RATE_LIMIT_PER_MINUTE: "10",
      PASSWORD_ITERATIONS: "700000",
      WARDEN_ENVIRONMENTS: "dev, qa-1,prod",
      FLAGD_PORT: "8013",
      FLAGD_SOCKET: "/run/flagd.sock",
      SQL_ECHO: "yes",
    });
    expect(config).toMatchObject({
      mode: "production",
      host: "127.0.0.1",
      grpcPort: 0,
      httpPort: 9090,
      logLevel: "debug",
      maxMessageBytes: 1_048_576,
      shutdownGraceMs: 2500,
      tls: { certFile: "package.json", keyFile: "tsconfig.json" },
      encryption: { keys: [KEY, "old-1", "old-2"], dataDir: "/var/lib/warden" },
      redisUrl: "redis://cache:6379/0",
      tokens: {
        issuer: "https://warden.example.com",
        audience: "platform",
        accessTtlSeconds: 300,
        refreshTtlSeconds: 3600,
        sessionMaxLifetimeSeconds: 86400,
      },
      security: { maxFailedLogins: 3, lockoutBaseSeconds: 120, loginRateLimitPerMinute: 10, passwordIterations: 700_000 },
      environments: ["dev", "qa-1", "prod"],
      flagd: { port: 8013, socketPath: "/run/flagd.sock" },
      database: { echo: true },
    });
  });

  it("takes production mode from NODE_ENV unless WARDEN_ENV says otherwise", () => {
    expect(loadConfig({ NODE_ENV: "production", DATABASE_ENCRYPTION_KEY: KEY }).mode).toBe("production");
    expect(loadConfig({ NODE_ENV: "test" }).mode).toBe("development");
    expect(loadConfig({ NODE_ENV: "production", WARDEN_ENV: "development" }).mode).toBe("development");
  });

  it("treats a blank value as unset", () => {
    expect(loadConfig({ PORT: "", HOST: "  ", SQL_ECHO: "" })).toMatchObject({
      grpcPort: 50051,
      host: "0.0.0.0",
      database: { echo: false },
    });
  });

  it("is frozen, so it is read once and never changed", () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.database)).toBe(true);
    expect(Object.isFrozen(config.environments)).toBe(true);
  });
});

describe("loadConfig and .env", () => {
  const originalDirectory = process.cwd();
  let directory: string | undefined;
  afterEach(async () => {
    process.chdir(originalDirectory);
    delete process.env["HTTP_PORT"];
    delete process.env["LOG_LEVEL"];
    if (directory !== undefined) await rm(directory, { recursive: true, force: true });
  });

  it("reads .env from the working directory without overriding the environment", async () => {
    directory = await mkdtemp(join(tmpdir(), "warden-config-"));
    await writeFile(join(directory, ".env"), "HTTP_PORT=9191\nLOG_LEVEL=trace\n");
    process.env["LOG_LEVEL"] = "warn";
    process.chdir(directory);
    expect(loadConfig()).toMatchObject({ httpPort: 9191, logLevel: "warn" });
  });

  it("ignores .env when given an explicit environment", async () => {
    directory = await mkdtemp(join(tmpdir(), "warden-config-"));
    await writeFile(join(directory, ".env"), "HTTP_PORT=9191\n");
    process.chdir(directory);
    expect(loadConfig({}).httpPort).toBe(8080);
  });
});
