import { pbkdf2, randomBytes, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import { formatPhcPasswordHash, PASSWORD_HASH_BYTES, parsePasswordHash } from "./password-hash-format.js";

/** OWASP's current recommendation for PBKDF2-HMAC-SHA256. */
export const DEFAULT_PASSWORD_ITERATIONS = 600_000;
/** What the previous implementation and its seed data used; still verifies, then gets rehashed. */
export const LEGACY_PASSWORD_ITERATIONS = 480_000;
const SALT_BYTES = 16;

const pbkdf2Async = promisify(pbkdf2);

/** PBKDF2-HMAC-SHA256 on libuv's thread pool, so a hash never blocks the event loop. */
export async function pbkdf2Sha256(
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  length: number,
): Promise<Uint8Array> {
  return pbkdf2Async(password, salt, iterations, length, "sha256");
}

export async function hashPassword(password: string, iterations = DEFAULT_PASSWORD_ITERATIONS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await pbkdf2Sha256(utf8(password), salt, iterations, PASSWORD_HASH_BYTES);
  return formatPhcPasswordHash(iterations, salt, hash);
}

/** False for a wrong password and for a stored hash in no known form; never throws for either. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parsePasswordHash(stored);
  if (parsed === undefined) {
    return false;
  }
  const candidate = await pbkdf2Sha256(utf8(password), parsed.salt, parsed.iterations, parsed.hash.byteLength);
  return timingSafeEqual(candidate, parsed.hash);
}

/** True when the stored hash is weaker than `iterations` or not in the current PHC form. */
export function passwordNeedsRehash(stored: string, iterations = DEFAULT_PASSWORD_ITERATIONS): boolean {
  const parsed = parsePasswordHash(stored);
  return parsed === undefined || parsed.form !== "phc" || parsed.iterations < iterations;
}

function utf8(text: string): Uint8Array {
  return Buffer.from(text, "utf8");
}
