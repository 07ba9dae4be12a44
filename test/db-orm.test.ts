import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/index.js";
import { checkDatabase, createOrm, postgresSslOptions, type Orm } from "../src/db/index.js";
import { createTestDatabase, TEST_DIALECTS, type TestDatabase } from "./support/database.js";

describe("createOrm on SQLite", () => {
  let directory: string | undefined;
  let orm: Orm | undefined;
  afterEach(async () => {
    await orm?.close(true);
    orm = undefined;
    if (directory !== undefined) await rm(directory, { recursive: true, force: true });
  });

  it("creates the file's directory and sets WAL, foreign keys and a busy timeout", async () => {
    directory = await mkdtemp(join(tmpdir(), "warden-orm-"));
    orm = await createOrm(loadConfig({ DATABASE_FILENAME: join(directory, "nested", "data.db") }).database);
    const connection = orm.em.getConnection();
    expect(await connection.execute("pragma journal_mode")).toEqual([{ journal_mode: "wal" }]);
    expect(await connection.execute("pragma foreign_keys")).toEqual([{ foreign_keys: 1 }]);
    expect(await connection.execute("pragma busy_timeout")).toEqual([{ timeout: 5000 }]);
  });

  it("echoes SQL without its parameters", async () => {
    directory = await mkdtemp(join(tmpdir(), "warden-orm-"));
    const lines: string[] = [];
    orm = await createOrm(loadConfig({ DATABASE_FILENAME: join(directory, "data.db"), SQL_ECHO: "true" }).database, {
      logger: (line) => lines.push(line),
    });
    await orm.em.fork().execute("select ? as secret", ["password-hash"]);
    expect(lines.join("\n")).toContain("select ? as secret");
    expect(lines.join("\n")).not.toContain("password-hash");
  });
});

describe("PostgreSQL sslMode", () => {
  const ssl = (env: NodeJS.ProcessEnv) => postgresSslOptions(loadConfig({ DATABASE_HOST: "db", ...env }).database);

  it("maps libpq's modes onto node-postgres", () => {
    expect(ssl({ DATABASE_SSL_MODE: "disable" })).toBe(false);
    expect(ssl({ DATABASE_SSL_MODE: "allow" })).toBe(false);
    expect(ssl({ DATABASE_SSL_MODE: "prefer" })).toEqual({ rejectUnauthorized: false });
    expect(ssl({ DATABASE_SSL_MODE: "require" })).toEqual({ rejectUnauthorized: false });
    expect(ssl({ DATABASE_SSL_MODE: "verify-full" })).toEqual({ rejectUnauthorized: true });
    const verifyCa = ssl({ DATABASE_SSL_MODE: "verify-ca", DATABASE_SSL_ROOT_CERT: "package.json" });
    expect(verifyCa).toMatchObject({ rejectUnauthorized: true, ca: expect.stringContaining('"name": "warden"') });
    expect(verifyCa && verifyCa.checkServerIdentity?.("elsewhere", {} as never)).toBeUndefined();
  });
});

describe.each(TEST_DIALECTS)("checkDatabase on %s", (dialect) => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.drop();
    database = undefined;
  });

  it("is true while connected and false once closed", async () => {
    database = await createTestDatabase(dialect);
    const orm = await createOrm(database.config);
    expect(await checkDatabase(orm)).toBe(true);
    await orm.close(true);
    expect(await checkDatabase(orm, 500)).toBe(false);
  });
});

describe.runIf(TEST_DIALECTS.includes("postgres"))("PostgreSQL pool", () => {
  let database: TestDatabase | undefined;
  let orm: Orm | undefined;
  afterEach(async () => {
    await orm?.close(true);
    orm = undefined;
    await database?.drop();
    database = undefined;
  });

  const backendPid = async (target: Orm) => {
    const [row] = await target.em.fork().execute("select pg_backend_pid() as pid");
    return Number(row?.["pid"]);
  };

  it("is sized poolSize + maxOverflow", async () => {
    database = await createTestDatabase("postgres");
    orm = await createOrm({ ...database.config, poolSize: 3, maxOverflow: 4 });
    const pool = orm.em.getConnection().getKnex().client.pool;
    expect([pool.min, pool.max]).toEqual([3, 7]);
  });

  it("replaces a connection older than recycleSeconds", async () => {
    database = await createTestDatabase("postgres");
    orm = await createOrm({ ...database.config, poolSize: 1, maxOverflow: 0, recycleSeconds: 1 });
    const first = await backendPid(orm);
    expect(await backendPid(orm)).toBe(first);
    await sleep(1_300);
    expect(await backendPid(orm)).not.toBe(first);
  });

  it("replaces a connection the server closed instead of failing the next query", async () => {
    database = await createTestDatabase("postgres");
    orm = await createOrm({ ...database.config, poolSize: 1, maxOverflow: 0 });
    const first = await backendPid(orm);
    const killer = await createOrm(database.config);
    await killer.em.fork().execute("select pg_terminate_backend(?)", [first]);
    await killer.close(true);
    await sleep(100);
    const second = await backendPid(orm);
    expect(second).not.toBe(first);
  });
});
