import { BetterSqliteConnection, BetterSqlitePlatform, BetterSqliteSchemaHelper } from "@mikro-orm/better-sqlite";
import type { Configuration, Dictionary, Transaction } from "@mikro-orm/core";
import { AbstractSqlDriver, type AbstractSqlConnection, type CheckDef } from "@mikro-orm/knex";

const NAMED_CHECK = /constraint\s+[`"[]?(\w+)[`"\]]?\s+check\s*\(/gi;
const ENUM_COLUMN = /[`"](\w+)[`"]\s+text\s+check\s*\(\s*[`"]?\w+[`"]?\s+in\s*\(((?:[^)']|'(?:[^']|'')*')*)\)\s*\)/gi;
const QUOTED_ITEM = /'((?:[^']|'')*)'/g;

/**
 * Corrects two gaps in MikroORM 6.6's reading of an existing SQLite schema, which otherwise make every
 * schema diff (and every generated SQLite migration) re-create tables that did not change:
 * - named check constraints are not read at all;
 * - enum columns (`text check (col in (...))`) read back only their first and last items.
 * Both are read here from the table's CREATE statement, where SQLite keeps them.
 */
class SqliteSchemaReader extends BetterSqliteSchemaHelper {
  override async getChecks(connection: AbstractSqlConnection, tableName: string): Promise<CheckDef[]> {
    const sql = await createTableSql(connection, tableName);
    return [...sql.matchAll(NAMED_CHECK)].map((match) => {
      const start = (match.index ?? 0) + match[0].length;
      const expression = sql.slice(start, closingParenthesis(sql, start));
      return { name: match[1] ?? "", expression, definition: `check (${expression})` };
    });
  }

  override async getEnumDefinitions(
    connection: AbstractSqlConnection,
    _checks: CheckDef[],
    tableName: string,
    _schemaName?: string,
    ctx?: Transaction,
  ): Promise<Dictionary<string[]>> {
    const sql = await createTableSql(connection, tableName, ctx);
    return Object.fromEntries(
      [...sql.matchAll(ENUM_COLUMN)].map(([, column, list]) => [
        column,
        [...(list ?? "").matchAll(QUOTED_ITEM)].map(([, item]) => (item ?? "").replaceAll("''", "'")),
      ]),
    );
  }
}

async function createTableSql(
  connection: AbstractSqlConnection,
  tableName: string,
  ctx?: Transaction,
): Promise<string> {
  const [table] = await connection.execute<{ sql: string }[]>(
    "select sql from sqlite_master where type = 'table' and name = ?",
    [tableName],
    "all",
    ctx,
  );
  return table?.sql ?? "";
}

/** Index of the `)` that closes the parenthesis opened just before `start`, skipping quoted text. */
function closingParenthesis(sql: string, start: number): number {
  let depth = 1;
  let quote: string | undefined;
  for (let index = start; index < sql.length; index++) {
    const char = sql[index];
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"' || char === "`") {
      quote = char;
    } else if (char === "(") {
      depth++;
    } else if (char === ")" && --depth === 0) {
      return index;
    }
  }
  return sql.length;
}

class SqlitePlatform extends BetterSqlitePlatform {
  protected override readonly schemaHelper: SqliteSchemaReader = new SqliteSchemaReader(this);
}

/** @mikro-orm/better-sqlite's driver, reading existing schemas as they are (see SqliteSchemaReader). */
export class SqliteDriver extends AbstractSqlDriver<BetterSqliteConnection> {
  constructor(config: Configuration) {
    super(config, new SqlitePlatform(), BetterSqliteConnection, ["knex", "better-sqlite3"]);
  }
}
