import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/index.js";

const database = (env: NodeJS.ProcessEnv) => loadConfig(env).database;

describe("database configuration", () => {
  it("is SQLite unless a URL or a host says otherwise", () => {
    expect(database({})).toMatchObject({ client: "sqlite", filename: ".tmp/data.db", sslMode: "disable" });
    expect(database({ DATABASE_FILENAME: "/var/lib/warden/warden.db" }).filename).toBe("/var/lib/warden/warden.db");
  });

  it("infers PostgreSQL from DATABASE_HOST", () => {
    expect(database({ DATABASE_HOST: "db.internal", DATABASE_USER: "warden", DATABASE_PASSWORD: "pw" })).toMatchObject({
      client: "postgres",
      host: "db.internal",
      port: 5432,
      name: "warden",
      user: "warden",
      password: "pw",
      sslMode: "prefer",
    });
  });

  it.each(["postgres", "postgresql", "postgresql+asyncpg"])("infers PostgreSQL from a %s:// URL and reads its parts", (scheme) => {
    const url = `${scheme}://warden:p%40ss@db.internal:6543/settings?sslmode=verify-full&sslrootcert=package.json`;
    expect(database({ DATABASE_URL: url })).toEqual({
      client: "postgres",
      url,
      host: "db.internal",
      port: 6543,
      name: "settings",
      user: "warden",
      password: "p@ss",
      filename: ".tmp/data.db",
      poolSize: 20,
      maxOverflow: 40,
      sslMode: "verify-full",
      sslRootCertFile: "package.json",
      echo: false,
      recycleSeconds: 3600,
    });
  });

  it("lets each variable override its part of the URL", () => {
    expect(
      database({
        DATABASE_URL: "postgres://warden:pw@db.internal:6543/settings?sslmode=require",
        DATABASE_HOST: "replica.internal",
        DATABASE_PORT: "5433",
        DATABASE_NAME: "other",
        DATABASE_USER: "admin",
        DATABASE_PASSWORD: "secret",
        DATABASE_SSL_MODE: "verify-ca",
      }),
    ).toMatchObject({
      host: "replica.internal",
      port: 5433,
      name: "other",
      user: "admin",
      password: "secret",
      sslMode: "verify-ca",
    });
  });

  it("reads a unix socket directory from the URL's host parameter", () => {
    expect(database({ DATABASE_URL: "postgresql:///warden?host=/var/run/postgresql" })).toMatchObject({
      client: "postgres",
      host: "/var/run/postgresql",
      name: "warden",
      sslMode: "disable",
    });
  });

  it("does not require TLS for a database on this machine", () => {
    expect(database({ DATABASE_URL: "postgres://postgres@127.0.0.1:5432/test" }).sslMode).toBe("disable");
    expect(database({ DATABASE_HOST: "localhost" }).sslMode).toBe("disable");
    expect(database({ DATABASE_CLIENT: "postgres" }).sslMode).toBe("disable");
  });

  it.each([
    ["sqlite:///relative/warden.db", "relative/warden.db"],
    ["sqlite:////var/lib/warden.db", "/var/lib/warden.db"],
    ["sqlite+aiosqlite:///./data.db", "./data.db"],
    ["sqlite://", ":memory:"],
    ["file:///var/lib/warden.db", "/var/lib/warden.db"],
  ])("reads the SQLite file from %s", (url, filename) => {
    expect(database({ DATABASE_URL: url })).toMatchObject({ client: "sqlite", filename });
  });

  it("accepts DATABASE_CLIENT=postgresql as postgres", () => {
    expect(database({ DATABASE_CLIENT: "postgresql" }).client).toBe("postgres");
  });

  it("reads the pool settings and SQL echo", () => {
    expect(
      database({
        DATABASE_HOST: "db",
        DATABASE_POOL_SIZE: "5",
        DATABASE_MAX_OVERFLOW: "0",
        DATABASE_POOL_RECYCLE_SECONDS: "600",
        SQL_ECHO: "TRUE",
      }),
    ).toMatchObject({ poolSize: 5, maxOverflow: 0, recycleSeconds: 600, echo: true });
  });
});
