import type { Client as PgClient } from "pg";
import { isPostgres, type Orm } from "./orm.js";

export interface MigrationList {
  executed: string[];
  pending: string[];
}

/** Any fixed number, the same for every Warden instance. */
const MIGRATION_LOCK_KEY = 7_348_221_905;

/** Applies every pending migration (all or nothing); returns the names applied. */
export async function migrateUp(orm: Orm): Promise<string[]> {
  return withMigrationLock(orm, async () => names(await orm.migrator.up()));
}

/** Reverts the last `steps` executed migrations (all of them when steps exceeds their number). */
export async function migrateDown(orm: Orm, steps = 1): Promise<string[]> {
  return withMigrationLock(orm, async () => {
    const executed = names(await orm.migrator.getExecutedMigrations());
    if (steps < 1 || executed.length === 0) return [];
    const to = steps >= executed.length ? 0 : executed[executed.length - steps];
    return names(await orm.migrator.down(to === undefined ? {} : { to }));
  });
}

export async function listMigrations(orm: Orm): Promise<MigrationList> {
  return {
    executed: names(await orm.migrator.getExecutedMigrations()),
    pending: names(await orm.migrator.getPendingMigrations()),
  };
}

function names(migrations: { name: string }[]): string[] {
  return migrations.map((migration) => migration.name);
}

/**
 * Instances that start together all try to migrate. On PostgreSQL a session advisory lock, held on a
 * connection of its own (the migrator needs pool connections meanwhile, and the pool may have only
 * one), makes the others wait and then find nothing pending. SQLite has a single connection anyway.
 */
async function withMigrationLock<T>(orm: Orm, migrate: () => Promise<T>): Promise<T> {
  if (!isPostgres(orm.em)) return migrate();
  const client = orm.em.getConnection().getKnex().client;
  const lockConnection: PgClient = await client.acquireRawConnection();
  try {
    await lockConnection.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    return await migrate();
  } finally {
    await client.destroyRawConnection(lockConnection);
  }
}
