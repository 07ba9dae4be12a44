import { fileURLToPath } from "node:url";
import { SSL_MODES, type DatabaseClient, type DatabaseConfig, type SslMode } from "./config.js";
import type { EnvReader } from "./env-reader.js";

const DEFAULT_POSTGRES_PORT = 5432;
const DEFAULT_DATABASE_NAME = "warden";
const DEFAULT_SQLITE_FILENAME = ".tmp/data.db";
const ONE_WEEK_SECONDS = 7 * 24 * 3600;

/** What a DATABASE_URL says; every field may still be overridden by its own variable. */
interface DatabaseUrlParts {
  client: DatabaseClient;
  host?: string;
  port?: number;
  name?: string;
  user?: string;
  password?: string;
  filename?: string;
  sslMode?: SslMode;
  sslRootCertFile?: string;
}

export function readDatabaseConfig(env: EnvReader): DatabaseConfig {
  const url = env.string("DATABASE_URL");
  const fromUrl = url === undefined ? undefined : parseDatabaseUrl(env, url);
  const explicitClient = env.optionalOneOf("DATABASE_CLIENT", ["sqlite", "postgres", "postgresql"]);
  const client: DatabaseClient =
    explicitClient === "postgresql"
      ? "postgres"
      : (explicitClient ?? fromUrl?.client ?? (env.has("DATABASE_HOST") ? "postgres" : "sqlite"));
  if (fromUrl !== undefined && fromUrl.client !== client) {
    env.fail("DATABASE_URL", `is a ${fromUrl.client} URL but DATABASE_CLIENT is ${client}`, url);
  }

  const host = env.string("DATABASE_HOST") ?? fromUrl?.host;
  const user = env.string("DATABASE_USER") ?? fromUrl?.user;
  const password = env.string("DATABASE_PASSWORD") ?? fromUrl?.password;
  const sslRootCertFile = readSslRootCertFile(env, fromUrl);
  const defaultSslMode: SslMode = client === "sqlite" || isLocalHost(host) ? "disable" : "prefer";

  return {
    client,
    ...(url !== undefined && { url }),
    ...(host !== undefined && { host }),
    port: env.optionalInteger("DATABASE_PORT", { min: 1, max: 65535 }) ?? fromUrl?.port ?? DEFAULT_POSTGRES_PORT,
    name: env.string("DATABASE_NAME") ?? fromUrl?.name ?? DEFAULT_DATABASE_NAME,
    ...(user !== undefined && { user }),
    ...(password !== undefined && { password }),
    filename: env.string("DATABASE_FILENAME") ?? fromUrl?.filename ?? DEFAULT_SQLITE_FILENAME,
    poolSize: env.integer("DATABASE_POOL_SIZE", 20, { min: 1, max: 1000 }),
    maxOverflow: env.integer("DATABASE_MAX_OVERFLOW", 40, { min: 0, max: 1000 }),
    sslMode: env.optionalOneOf("DATABASE_SSL_MODE", SSL_MODES) ?? fromUrl?.sslMode ?? defaultSslMode,
    ...(sslRootCertFile !== undefined && { sslRootCertFile }),
    echo: env.boolean("SQL_ECHO", false),
    recycleSeconds: env.integer("DATABASE_POOL_RECYCLE_SECONDS", 3600, { min: 1, max: ONE_WEEK_SECONDS }),
  };
}

function readSslRootCertFile(env: EnvReader, fromUrl: DatabaseUrlParts | undefined): string | undefined {
  const fromEnv = env.string("DATABASE_SSL_ROOT_CERT");
  if (fromEnv !== undefined) {
    env.requireReadableFile("DATABASE_SSL_ROOT_CERT", fromEnv);
    return fromEnv;
  }
  if (fromUrl?.sslRootCertFile !== undefined) {
    env.requireReadableFile("DATABASE_URL", fromUrl.sslRootCertFile, "sslrootcert must name a readable file");
  }
  return fromUrl?.sslRootCertFile;
}

/**
 * Accepts the seed's SQLAlchemy-style URLs too: `postgresql+asyncpg://...`, and `sqlite:///relative.db`
 * / `sqlite:////absolute.db` (the path is what follows the third slash).
 */
function parseDatabaseUrl(env: EnvReader, raw: string): DatabaseUrlParts {
  const sqlite = /^sqlite(?:\+\w+)?:\/\/(.*)$/i.exec(raw);
  if (sqlite) {
    const path = (sqlite[1] ?? "").replace(/^\//, "").replace(/\?.*$/, "");
    return { client: "sqlite", filename: path === "" ? ":memory:" : path };
  }
  if (/^file:/i.test(raw)) {
    try {
      return { client: "sqlite", filename: fileURLToPath(raw) };
    } catch {
      return env.fail("DATABASE_URL", "is not a valid file: URL", raw);
    }
  }
  const postgres = /^postgres(?:ql)?(?:\+\w+)?:\/\//i.exec(raw);
  if (!postgres) {
    return env.fail("DATABASE_URL", "must be a postgres://, postgresql://, sqlite:/// or file: URL", raw);
  }
  let url: URL;
  try {
    url = new URL(`postgres://${raw.slice(postgres[0].length)}`);
  } catch {
    return env.fail("DATABASE_URL", "is not a valid URL", raw);
  }
  const sslModeParam = url.searchParams.get("sslmode");
  const sslMode =
    sslModeParam === null
      ? undefined
      : (SSL_MODES.find((mode) => mode === sslModeParam) ??
        env.fail("DATABASE_URL", `sslmode must be one of ${SSL_MODES.join(", ")}`, raw));
  // libpq lets the host (e.g. a unix socket directory) come from the query string.
  const host = url.searchParams.get("host") ?? decodeURIComponent(url.hostname);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ""));
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  const sslRootCertFile = url.searchParams.get("sslrootcert") ?? undefined;
  return {
    client: "postgres",
    ...(host !== "" && { host }),
    ...(url.port !== "" && { port: Number(url.port) }),
    ...(name !== "" && { name }),
    ...(user !== "" && { user }),
    ...(password !== "" && { password }),
    ...(sslMode !== undefined && { sslMode }),
    ...(sslRootCertFile !== undefined && { sslRootCertFile }),
  };
}

function isLocalHost(host: string | undefined): boolean {
  if (host === undefined || host.startsWith("/")) return true;
  return host === "localhost" || host === "::1" || host === "[::1]" || host.startsWith("127.");
}
