import { fileURLToPath } from "node:url";
import { MikroORM, type Options } from "@mikro-orm/core";
import type { AbstractSqlDriver, SqlEntityManager } from "@mikro-orm/knex";
import { Migrator } from "@mikro-orm/migrations";
import { PostgreSqlDriver, PostgreSqlPlatform } from "@mikro-orm/postgresql";
import type { Client as PgClient } from "pg";
import type { DatabaseClient, DatabaseConfig } from "../config/index.js";
import { ALL_ENTITIES } from "./entities/all-entities.js";
import { postgresSslOptions } from "./postgres-ssl.js";
import { SqliteDriver } from "./sqlite-driver.js";
import { succeedsWithin } from "./succeeds-within.js";

export type Orm = MikroORM<AbstractSqlDriver, SqlEntityManager>;
export type { SqlEntityManager as EntityManager };

export interface CreateOrmOptions {
  /** Log SQL (without parameters, which may hold hashes or ciphertext); defaults to config.echo. */
  debug?: boolean;
  /** Receives MikroORM's log lines and the pool's warnings; console when absent. */
  logger?: (message: string) => void;
}

type OrmOptions = Options<AbstractSqlDriver, SqlEntityManager>;

/** Connections above `poolSize` are closed after being idle this long. */
const OVERFLOW_IDLE_TIMEOUT_MS = 30_000;
/**
 * Before a pooled connection is handed out it is pinged, unless it answered one less than this ago:
 * a dead connection is replaced instead of failing a request, at the cost of one ping per interval.
 */
const PING_INTERVAL_MS = 5_000;
const PING_TIMEOUT_MS = 5_000;
const CONNECT_TIMEOUT_MS = 10_000;
const SQLITE_BUSY_TIMEOUT_MS = 5_000;

/** Connects to the configured database. The schema is not touched: run migrateUp (migrator.ts) for that. */
export async function createOrm(config: DatabaseConfig, options: CreateOrmOptions = {}): Promise<Orm> {
  const shared: OrmOptions = {
    entities: ALL_ENTITIES,
    allowGlobalContext: false,
    ensureDatabase: false,
    debug: (options.debug ?? config.echo) ? ["query"] : false,
    colors: false,
    ...(options.logger !== undefined && { logger: options.logger }),
    extensions: [Migrator],
    migrations: {
      path: migrationsDirectory(config.client),
      emit: "ts",
      glob: "!(*.d).{js,ts}",
      snapshot: false,
      silent: true,
    },
  };
  const dialect = config.client === "postgres" ? postgresOptions(config) : sqliteOptions(config);
  const { logger } = options;
  return MikroORM.init({
    ...shared,
    ...dialect,
    driverOptions: {
      ...dialect.driverOptions,
      // knex reports pool trouble (e.g. a connection the server closed) on its own logger.
      ...(logger !== undefined && { log: { warn: logger, error: logger } }),
    },
  });
}

export function isPostgres(em: SqlEntityManager): boolean {
  return em.getPlatform() instanceof PostgreSqlPlatform;
}

function migrationsDirectory(client: DatabaseClient): string {
  return fileURLToPath(new URL(`./migrations/${client === "postgres" ? "postgresql" : "sqlite"}`, import.meta.url));
}

function postgresOptions(config: DatabaseConfig): OrmOptions {
  return {
    driver: PostgreSqlDriver,
    ...(config.host !== undefined && { host: config.host }),
    port: config.port,
    dbName: config.name,
    ...(config.user !== undefined && { user: config.user }),
    ...(config.password !== undefined && { password: config.password }),
    pool: {
      // tarn keeps up to `min` idle connections and closes the others after idleTimeoutMillis, which
      // is what SQLAlchemy's pool_size / max_overflow meant in the seed.
      min: config.poolSize,
      max: config.poolSize + config.maxOverflow,
      idleTimeoutMillis: OVERFLOW_IDLE_TIMEOUT_MS,
      ...knexPoolExtras(config.recycleSeconds),
    },
    driverOptions: {
      connection: {
        ssl: postgresSslOptions(config),
        keepAlive: true,
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        application_name: "warden",
      },
    },
  };
}

/** Pool options knex 3 reads that MikroORM's PoolConfig type does not list. */
interface KnexPoolExtras {
  maxConnectionLifetimeMillis: number;
  maxConnectionLifetimeJitterMillis: number;
  validate: (connection: PgClient) => Promise<boolean>;
}

function knexPoolExtras(recycleSeconds: number): KnexPoolExtras {
  const lastPinged = new WeakMap<PgClient, number>();
  return {
    maxConnectionLifetimeMillis: recycleSeconds * 1000,
    // Spread the recycling so that connections opened together are not all replaced together.
    maxConnectionLifetimeJitterMillis: Math.min(recycleSeconds * 100, 60_000),
    validate: async (connection: PgClient): Promise<boolean> => {
      const now = Date.now();
      if (now - (lastPinged.get(connection) ?? 0) < PING_INTERVAL_MS) return true;
      const alive = await succeedsWithin(connection.query("select 1"), PING_TIMEOUT_MS);
      if (alive) lastPinged.set(connection, now);
      return alive;
    },
  };
}

interface SqliteConnection {
  pragma(source: string): unknown;
}
type AfterCreateCallback = (error: Error | null, connection: SqliteConnection) => void;

function sqliteOptions(config: DatabaseConfig): OrmOptions {
  return {
    driver: SqliteDriver,
    dbName: config.filename,
    pool: {
      // One connection: better-sqlite3 is synchronous, SQLite has one writer, and every connection
      // to ":memory:" would be a separate database. Transactions therefore queue for it.
      min: 1,
      max: 1,
      afterCreate: (connection: SqliteConnection, done: AfterCreateCallback) => {
        connection.pragma("journal_mode = WAL");
        connection.pragma("synchronous = NORMAL");
        connection.pragma("foreign_keys = ON");
        connection.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
        done(null, connection);
      },
    },
  };
}
