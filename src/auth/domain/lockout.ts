/** The lock-related fields of a user. */
export interface LockoutState {
  /** End of the automatic lockout, if any. */
  readonly lockedUntil: Date | null;
  /** Locked by an administrator until unlocked. */
  readonly isLocked: boolean;
}

export interface LockoutPolicy {
  /** Consecutive failures that trigger a lockout. */
  readonly maxFailedAttempts: number;
  /** Length of the first lockout; each further one doubles it. */
  readonly baseLockoutSeconds: number;
}

export const MAX_LOCKOUT_SECONDS = 24 * 60 * 60;

/** Seconds the `lockoutCount`-th lockout (counting from 1) lasts: base * 2^(n-1), at most 24 h. */
export function lockoutDuration(lockoutCount: number, baseSeconds: number): number {
  const doublings = Math.max(0, lockoutCount - 1);
  return Math.min(baseSeconds * 2 ** doublings, MAX_LOCKOUT_SECONDS);
}

export function isLocked(state: LockoutState, now: Date): boolean {
  return state.isLocked || (state.lockedUntil !== null && state.lockedUntil.getTime() > now.getTime());
}

export interface Lockout {
  readonly lockedUntil: Date;
  /** The new number of lockouts so far, to store with the lock. */
  readonly lockoutCount: number;
}

/**
 * Whether a failed login locks the account. `failedLoginCount` already includes this failure (the
 * store increments it atomically); on a lockout the caller stores the result and resets the
 * failure count, so the next lockout needs another full run of failures and lasts twice as long.
 */
export function lockoutAfterFailure(
  counts: { readonly failedLoginCount: number; readonly lockoutCount: number },
  policy: LockoutPolicy,
  now: Date,
): Lockout | undefined {
  if (counts.failedLoginCount < policy.maxFailedAttempts) return undefined;
  const lockoutCount = counts.lockoutCount + 1;
  const seconds = lockoutDuration(lockoutCount, policy.baseLockoutSeconds);
  return { lockedUntil: new Date(now.getTime() + seconds * 1000), lockoutCount };
}
