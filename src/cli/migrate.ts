import { loadConfig } from "../config/index.js";
import { createOrm, listMigrations, migrateDown, migrateUp } from "../db/index.js";
import type { CliIo } from "./io.js";

/** `migrate up|down|list`: apply all pending migrations, revert the last one, or list them. */
export async function migrate([direction]: string[], io: CliIo): Promise<number> {
  const config = loadConfig(io.env);
  const orm = await createOrm(config.database);
  const print = (line: string) => void io.stdout.write(`${line}\n`);
  try {
    switch (direction) {
      case "up":
        for (const name of await migrateUp(orm)) print(`applied ${name}`);
        return 0;
      case "down":
        for (const name of await migrateDown(orm)) print(`reverted ${name}`);
        return 0;
      case "list": {
        const { executed, pending } = await listMigrations(orm);
        for (const name of executed) print(`applied  ${name}`);
        for (const name of pending) print(`pending  ${name}`);
        return 0;
      }
      default:
        io.stderr.write("usage: warden migrate up|down|list\n");
        return 2;
    }
  } finally {
    await orm.close();
  }
}
