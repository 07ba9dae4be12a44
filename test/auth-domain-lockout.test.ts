import { describe, expect, it } from "vitest";
import { isLocked, lockoutAfterFailure, lockoutDuration, MAX_LOCKOUT_SECONDS } from "../src/auth/domain/index.js";

const now = new Date("2030-01-01T00:00:00Z");
const policy = { maxFailedAttempts: 5, baseLockoutSeconds: 60 };

describe("lockout", () => {
  it("doubles with each lockout", () => {
    expect([1, 2, 3, 4].map((count) => lockoutDuration(count, 60))).toEqual([60, 120, 240, 480]);
  });

  it("is capped at 24 hours, even for absurd counts", () => {
    expect(MAX_LOCKOUT_SECONDS).toBe(86_400);
    expect(lockoutDuration(12, 60)).toBe(86_400);
    expect(lockoutDuration(5_000, 60)).toBe(86_400);
  });

  it("treats counts below 1 as the first lockout", () => {
    expect(lockoutDuration(0, 60)).toBe(60);
  });

  it("is locked by an administrator's lock or until lockedUntil passes", () => {
    const soon = new Date(now.getTime() + 1_000);
    const past = new Date(now.getTime() - 1_000);
    expect(isLocked({ isLocked: false, lockedUntil: null }, now)).toBe(false);
    expect(isLocked({ isLocked: true, lockedUntil: null }, now)).toBe(true);
    expect(isLocked({ isLocked: true, lockedUntil: past }, now)).toBe(true);
    expect(isLocked({ isLocked: false, lockedUntil: soon }, now)).toBe(true);
    expect(isLocked({ isLocked: false, lockedUntil: past }, now)).toBe(false);
    expect(isLocked({ isLocked: false, lockedUntil: now }, now)).toBe(false);
  });

  it("locks only once the failures reach the threshold", () => {
    expect(lockoutAfterFailure({ failedLoginCount: 4, lockoutCount: 0 }, policy, now)).toBeUndefined();
    expect(lockoutAfterFailure({ failedLoginCount: 5, lockoutCount: 0 }, policy, now)).toEqual({
      lockedUntil: new Date(now.getTime() + 60_000),
      lockoutCount: 1,
    });
  });

  it("locks for longer each time", () => {
    expect(lockoutAfterFailure({ failedLoginCount: 5, lockoutCount: 2 }, policy, now)).toEqual({
      lockedUntil: new Date(now.getTime() + 240_000),
      lockoutCount: 3,
    });
  });
});
