import { afterEach, describe, expect, it } from "vitest";
import { createOrm, isPostgres, listMigrations, migrateDown, migrateUp, type Orm } from "../src/db/index.js";
import { openTestOrm, TEST_DIALECTS, type TestOrm } from "./support/database.js";

const MIGRATIONS_TABLE = "mikro_orm_migrations";

describe.each(TEST_DIALECTS)("migrations on %s", (dialect) => {
  let testOrm: TestOrm | undefined;
  afterEach(async () => {
    await testOrm?.close();
    testOrm = undefined;
  });

  it("leave no difference between the schema and the entities", async () => {
    testOrm = await openTestOrm(dialect);
    const diff = await testOrm.orm.schema.getUpdateSchemaSQL({ wrap: false });
    expect(diff.trim()).toBe("");
    expect(await listMigrations(testOrm.orm)).toMatchObject({ pending: [] });
  });

  it("go all the way down and up again to the same schema", async () => {
    testOrm = await openTestOrm(dialect);
    const { orm } = testOrm;
    const migratedSchema = await describeSchema(orm);
    expect(migratedSchema.length).toBeGreaterThan(11);
    const { executed } = await listMigrations(orm);
    expect(executed.length).toBeGreaterThan(0);

    expect(await migrateDown(orm, executed.length + 1)).toEqual([...executed].reverse());
    expect(await describeSchema(orm)).toEqual([]);
    expect(await listMigrations(orm)).toEqual({ executed: [], pending: executed });

    expect(await migrateUp(orm)).toEqual(executed);
    expect(await describeSchema(orm)).toEqual(migratedSchema);
  });

  it.runIf(dialect === "postgres")("are applied once when several instances migrate at once", async () => {
    testOrm = await openTestOrm(dialect, { migrate: false });
    const instances = [testOrm.orm, ...(await Promise.all([1, 2].map(() => createOrm(testOrm!.database.config))))];
    try {
      const applied = await Promise.all(instances.map((orm) => migrateUp(orm)));
      const { executed } = await listMigrations(testOrm.orm);
      expect(applied.flat()).toEqual(executed);
    } finally {
      await Promise.all(instances.slice(1).map((orm) => orm.close(true)));
    }
  });

  it("go down one step at a time", async () => {
    testOrm = await openTestOrm(dialect);
    const { executed } = await listMigrations(testOrm.orm);
    expect(await migrateDown(testOrm.orm)).toEqual(executed.slice(-1));
    expect((await listMigrations(testOrm.orm)).executed).toEqual(executed.slice(0, -1));
  });
});

/** Every table, column, index, constraint and trigger of the application, in a stable order. */
async function describeSchema(orm: Orm): Promise<unknown[]> {
  const connection = orm.em.getConnection();
  if (!isPostgres(orm.em)) {
    return connection.execute(
      `select type, name, tbl_name, sql from sqlite_master
       where tbl_name not in ('${MIGRATIONS_TABLE}', 'sqlite_sequence') order by type, name`,
    );
  }
  const schema = "current_schema()";
  return [
    ...(await connection.execute(
      `select table_name, column_name, data_type, character_maximum_length, numeric_precision, numeric_scale, is_nullable, column_default
       from information_schema.columns where table_schema = ${schema} and table_name <> '${MIGRATIONS_TABLE}'
       order by table_name, column_name`,
    )),
    ...(await connection.execute(
      `select tablename, indexname, indexdef from pg_indexes
       where schemaname = ${schema} and tablename <> '${MIGRATIONS_TABLE}' order by indexname`,
    )),
    ...(await connection.execute(
      `select conrelid::regclass::text as table_name, conname, pg_get_constraintdef(oid) as definition
       from pg_constraint where connamespace = ${schema}::regnamespace
       and conrelid::regclass::text <> '${MIGRATIONS_TABLE}' order by conname`,
    )),
    ...(await connection.execute(
      `select tgrelid::regclass::text as table_name, tgname, pg_get_triggerdef(oid) as definition
       from pg_trigger where not tgisinternal order by tgname`,
    )),
    ...(await connection.execute(
      `select proname from pg_proc where pronamespace = ${schema}::regnamespace order by proname`,
    )),
  ];
}
