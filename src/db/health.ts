import type { Orm } from "./orm.js";
import { succeedsWithin } from "./succeeds-within.js";

/** True when the database answers a trivial query within the timeout; never throws. */
export async function checkDatabase(orm: Orm, timeoutMs = 2_000): Promise<boolean> {
  return succeedsWithin(orm.em.getConnection().execute("select 1"), timeoutMs);
}
