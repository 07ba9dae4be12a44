import { randomInt } from "node:crypto";

// Crockford's base32: no i, l, o or u, and normalization reads i/l as 1 and o as 0, so a code
// copied by hand still matches. 12 symbols of 5 bits = 60 bits per code.
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const GROUPS = 3;
const GROUP_LENGTH = 4;
const NORMALIZED_FORM = /^[0-9a-hjkmnp-tv-z]{12}$/;
const DEFAULT_COUNT = 10;

/** Codes shown to the user once, as `xxxx-xxxx-xxxx`. */
export function generateRecoveryCodes(count = DEFAULT_COUNT): string[] {
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new Error(`recovery code count must be a positive integer, got ${count}`);
  }
  return Array.from({ length: count }, generateRecoveryCode);
}

/**
 * Finds `code` among the stored hashes of codes. `matches(normalizedCode, stored)` compares one
 * stored hash (a keyed hash the caller computes, e.g. a versioned SecretHasher that survives key
 * rotation); it is called for every stored hash, so the time spent does not reveal which one
 * matched. On a match returns the hashes left once the code is used up; undefined otherwise.
 */
export function consumeRecoveryCode(  code: string,
  storedHashes: readonly string[],
  matches: (normalizedCode: string, storedHash: string) => boolean,
): { remaining: string[] } | undefined {
  const normalized = normalizeRecoveryCode(code);
  if (!NORMALIZED_FORM.test(normalized)) return undefined;
  let matchIndex = -1;
  storedHashes.forEach((stored, index) => {
    if (matches(normalized, stored) && matchIndex === -1) matchIndex = index;
  });
  if (matchIndex === -1) return undefined;
  return { remaining: storedHashes.filter((_, index) => index !== matchIndex) };
}

/** The form a code is hashed in: lower case, no dashes or spaces, i/l read as 1 and o as 0. */
export function normalizeRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, "").replace(/[il]/g, "1").replace(/o/g, "0");
}

function generateRecoveryCode(): string {
  return Array.from({ length: GROUPS }, () =>
    Array.from({ length: GROUP_LENGTH }, () => ALPHABET.charAt(randomInt(ALPHABET.length))).join(""),
  ).join("-");
}
