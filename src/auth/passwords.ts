import { availableParallelism } from "node:os";
import { hashPassword, passwordNeedsRehash, randomToken, verifyPassword } from "../crypto/index.js";

/** Password hashing at the configured cost (PBKDF2 on the thread pool: the event loop stays free). */
export interface Passwords {
  /**
   * Whether `password` matches `storedHash`. Without a stored hash (unknown user) it spends the
   * time of a real verification at the configured cost and answers false, so the answer's timing
   * does not tell whether the account exists.
   */
  verify(password: string, storedHash: string | undefined): Promise<boolean>;
  hash(password: string): Promise<string>;
  /** True for a hash made with fewer iterations than configured, or in the legacy form. */
  needsRehash(storedHash: string): boolean;
}

/**
 * How many hashes run at once: one per core, and never the whole libuv thread pool (4 threads
 * unless UV_THREADPOOL_SIZE says otherwise). More hashes than cores finish no sooner; queued on
 * the pool they would delay everything else that runs there — token signing (WebCrypto), file
 * and DNS work — behind seconds of PBKDF2, and leave the event loop fewer CPUs to run on.
 */
export function defaultHashConcurrency(): number {
  const configured = Number(process.env["UV_THREADPOOL_SIZE"]);
  const poolSize = Number.isInteger(configured) && configured > 0 ? configured : 4;
  return Math.max(1, Math.min(availableParallelism(), poolSize - 1));
}

export async function createPasswords(iterations: number, concurrency = defaultHashConcurrency()): Promise<Passwords> {
  // A hash of a random password at the configured cost: nothing matches it.
  const unmatchable = await hashPassword(randomToken(32), iterations);
  const limit = createLimit(concurrency);
  return {
    verify(password, storedHash) {
      return limit(async () => {
        if (storedHash === undefined) {
          await verifyPassword(password, unmatchable);
          return false;
        }
        return verifyPassword(password, storedHash);
      });
    },
    hash: (password) => limit(() => hashPassword(password, iterations)),
    needsRehash: (storedHash) => passwordNeedsRehash(storedHash, iterations),
  };
}

/** Runs at most `concurrency` tasks at a time; the others wait their turn, first come first served. */
function createLimit(concurrency: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  const release = (): void => {
    const next = waiting.shift();
    if (next === undefined) running -= 1;
    else next(); // the slot passes straight to the next task
  };
  return async (task) => {
    if (running < concurrency) running += 1;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      release();
    }
  };
}
