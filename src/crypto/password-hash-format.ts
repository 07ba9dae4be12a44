import { decodeBase64, encodeBase64 } from "./base64.js";

export const PASSWORD_HASH_BYTES = 32;
/** node:crypto's pbkdf2 takes a 32-bit signed iteration count. */
const MAX_ITERATIONS = 2 ** 31 - 1;

/**
 * "phc": `$pbkdf2-sha256$i=<iterations>,l=32$<salt>$<hash>`, standard base64 without padding.
 * "passlib": `$pbkdf2-sha256$<iterations>$<salt>$<hash>` in passlib's adapted base64 ('.' for '+',
 * no padding), as written by the previous Python implementation.
 */
export type PasswordHashForm = "phc" | "passlib";

export interface PasswordHash {
  readonly form: PasswordHashForm;
  readonly iterations: number;
  readonly salt: Uint8Array;
  readonly hash: Uint8Array;
}

const PHC_FORM = /^\$pbkdf2-sha256\$i=([1-9][0-9]{0,9}),l=32\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;
const PASSLIB_FORM = /^\$pbkdf2-sha256\$([1-9][0-9]{0,9})\$([A-Za-z0-9./]+)\$([A-Za-z0-9./]+)$/;

export function formatPhcPasswordHash(iterations: number, salt: Uint8Array, hash: Uint8Array): string {
  const params = `i=${iterations},l=${hash.byteLength}`;
  return `$pbkdf2-sha256$${params}$${encodeBase64(salt, "unpadded")}$${encodeBase64(hash, "unpadded")}`;
}

type Base64Decoder = (text: string) => Uint8Array | undefined;

const KNOWN_FORMS: ReadonlyArray<{ form: PasswordHashForm; pattern: RegExp; decode: Base64Decoder }> = [
  { form: "phc", pattern: PHC_FORM, decode: (text) => decodeBase64(text, "unpadded") },
  { form: "passlib", pattern: PASSLIB_FORM, decode: decodeAdaptedBase64 },
];

export function parsePasswordHash(stored: string): PasswordHash | undefined {
  for (const { form, pattern, decode } of KNOWN_FORMS) {
    const match = pattern.exec(stored);
    if (match) {
      const [, iterationsText = "", saltText = "", hashText = ""] = match;
      return validated(form, Number(iterationsText), decode(saltText), decode(hashText));
    }
  }
  return undefined;
}

function validated(
  form: PasswordHashForm,
  iterations: number,
  salt: Uint8Array | undefined,
  hash: Uint8Array | undefined,
): PasswordHash | undefined {
  const iterationsInRange = iterations >= 1 && iterations <= MAX_ITERATIONS;
  if (!iterationsInRange || salt === undefined || hash?.byteLength !== PASSWORD_HASH_BYTES) {
    return undefined;
  }
  return { form, iterations, salt, hash };
}

function decodeAdaptedBase64(text: string): Uint8Array | undefined {
  return decodeBase64(text.replaceAll(".", "+"), "unpadded");
}
