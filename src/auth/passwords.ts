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

export async function createPasswords(iterations: number): Promise<Passwords> {
  // A hash of a random password at the configured cost: nothing matches it.
  const unmatchable = await hashPassword(randomToken(32), iterations);
  return {
    async verify(password, storedHash) {
      if (storedHash === undefined) {
        await verifyPassword(password, unmatchable);
        return false;
      }
      return verifyPassword(password, storedHash);
    },
    hash: (password) => hashPassword(password, iterations),
    needsRehash: (storedHash) => passwordNeedsRehash(storedHash, iterations),
  };
}
