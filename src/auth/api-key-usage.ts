import type { Logger } from "pino";
import { ApiKey, isPostgres, type Orm } from "../db/index.js";

/**
 * Keeps `api_keys.last_used_at` current without a database write per call: uses are noted in
 * memory and written in one UPDATE per flush (every `flushIntervalMs`, and on close).
 */
export interface ApiKeyUsage {
  noteUse(apiKeyId: string, at?: Date): void;
  /** Writes the pending uses now. */
  flush(): Promise<void>;
  /** Stops the timer and writes what is pending. */
  close(): Promise<void>;
}

export interface ApiKeyUsageOptions {
  readonly orm: Orm;
  readonly logger: Logger;
  readonly flushIntervalMs?: number;
}

const DEFAULT_FLUSH_INTERVAL_MS = 30_000;
/** Keys per statement: well under SQLite's and PostgreSQL's parameter limits. */
const BATCH_SIZE = 500;

export function createApiKeyUsage({ orm, logger, flushIntervalMs = DEFAULT_FLUSH_INTERVAL_MS }: ApiKeyUsageOptions): ApiKeyUsage {
  let pending = new Map<string, Date>();
  let flushing: Promise<void> = Promise.resolve();

  const write = async (uses: Map<string, Date>): Promise<void> => {
    const em = orm.em.fork();
    const platform = em.getPlatform();
    const { tableName } = em.getMetadata(ApiKey);
    // PostgreSQL cannot infer the type of a bare parameter in a CASE branch.
    const value = isPostgres(em) ? "cast(? as timestamptz)" : "?";
    const entries = [...uses];
    for (let start = 0; start < entries.length; start += BATCH_SIZE) {
      const batch = entries.slice(start, start + BATCH_SIZE);
      const cases = batch.map(() => `when ? then ${value}`).join(" ");
      const params: unknown[] = [];
      for (const [id, at] of batch) params.push(id, platform.processDateProperty(at));
      for (const [id] of batch) params.push(id);
      await em.execute(
        `update ${tableName} set last_used_at = case id ${cases} end where id in (${batch.map(() => "?").join(", ")})`,
        params,
        "run",
      );
    }
  };

  const flush = (): Promise<void> => {
    flushing = flushing.then(async () => {
      if (pending.size === 0) return;
      const uses = pending;
      pending = new Map();
      try {
        await write(uses);
      } catch (error) {
        // Kept for the next flush, unless newer uses replaced them meanwhile.
        for (const [id, at] of uses) if (!pending.has(id)) pending.set(id, at);
        logger.warn({ err: error }, "api key usage: writing last_used_at failed; will retry");
      }
    });
    return flushing;
  };

  const timer = setInterval(() => void flush(), flushIntervalMs);
  timer.unref();

  return {
    noteUse(apiKeyId, at = new Date()) {
      pending.set(apiKeyId, at);
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
