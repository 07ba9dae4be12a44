import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { loadConfig, type DatabaseConfig } from "../../src/config/index.js";
import { createOrm, migrateUp, type Orm } from "../../src/db/index.js";

export type Dialect = "sqlite" | "postgres";

/**
 * SQLite always; PostgreSQL too when TEST_DATABASE_URL points at a server whose user may create
 * databases, e.g. postgres://postgres@127.0.0.1:5432/test. Use with `describe.each(TEST_DIALECTS)`.
 */
export const TEST_DIALECTS: Dialect[] = process.env["TEST_DATABASE_URL"] ? ["sqlite", "postgres"] : ["sqlite"];

export interface TestDatabase {
  dialect: Dialect;
  config: DatabaseConfig;
  drop(): Promise<void>;
}

/** A fresh, empty database of its own (a temporary SQLite file, or a new PostgreSQL database). */
export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  return dialect === "sqlite" ? createSqliteDatabase() : createPostgresDatabase();
}

export interface TestOrm {
  orm: Orm;
  database: TestDatabase;
  /** Closes the ORM and drops the database. */
  close(): Promise<void>;
}

/** A fresh database with an ORM connected to it, migrated unless `migrate: false`. */
export async function openTestOrm(dialect: Dialect, options: { migrate?: boolean } = {}): Promise<TestOrm> {
  const database = await createTestDatabase(dialect);
  const orm = await createOrm(database.config);
  if (options.migrate ?? true) await migrateUp(orm);
  return {
    orm,
    database,
    async close() {
      await orm.close(true);
      await database.drop();
    },
  };
}

async function createSqliteDatabase(): Promise<TestDatabase> {
  const directory = await mkdtemp(join(tmpdir(), "warden-test-"));
  return {
    dialect: "sqlite",
    config: loadConfig({ DATABASE_FILENAME: join(directory, "data.db") }).database,
    drop: () => rm(directory, { recursive: true, force: true }),
  };
}

async function createPostgresDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env["TEST_DATABASE_URL"];
  if (serverUrl === undefined) throw new Error("TEST_DATABASE_URL is not set");
  const name = `warden_test_${randomBytes(6).toString("hex")}`;
  await withAdminClient(serverUrl, (client) => client.query(`create database "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    dialect: "postgres",
    config: loadConfig({ DATABASE_URL: url.toString(), DATABASE_POOL_SIZE: "2", DATABASE_MAX_OVERFLOW: "30" }).database,
    drop: () => withAdminClient(serverUrl, (client) => client.query(`drop database if exists "${name}" with (force)`)),
  };
}

async function withAdminClient(url: string, work: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}
