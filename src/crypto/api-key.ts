import { createHash, createHmac, randomInt, timingSafeEqual } from "node:crypto";
import { randomToken } from "./random.js";

export interface ApiKeyParts {
  readonly prefix: string;
  readonly secret: string;
}

export interface GeneratedApiKey extends ApiKeyParts {
  /** `wdn_<prefix>_<secret>`: shown to its owner once, never stored. */
  readonly key: string;
}

const PREFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
const PREFIX_LENGTH = 8;
const SECRET_BYTES = 32;
const SECRET_LENGTH = Math.ceil((SECRET_BYTES * 4) / 3);
// The prefix cannot contain '_', so the first two underscores delimit it even though the
// base64url secret may contain more.
const API_KEY_FORM = new RegExp(`^wdn_([a-z0-9]{${PREFIX_LENGTH}})_([A-Za-z0-9_-]{${SECRET_LENGTH}})$`);

export function generateApiKey(): GeneratedApiKey {
  const prefix = Array.from({ length: PREFIX_LENGTH }, randomPrefixCharacter).join("");
  const secret = randomToken(SECRET_BYTES);
  return { key: `wdn_${prefix}_${secret}`, prefix, secret };
}

export function parseApiKey(key: string): ApiKeyParts | undefined {
  const match = API_KEY_FORM.exec(key);
  if (!match) {
    return undefined;
  }
  const [, prefix = "", secret = ""] = match;
  return { prefix, secret };
}

/** Keyed hash (hex HMAC-SHA256) under which API key secrets, refresh tokens and recovery codes are stored. */
export function hashSecret(secret: string, hmacKey: Uint8Array): string {
  return createHmac("sha256", hmacKey).update(secret, "utf8").digest("hex");
}

/** Compares digests rather than the strings, so neither the content nor the length leaks through timing. */
export function constantTimeEqual(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

function randomPrefixCharacter(): string {
  return PREFIX_ALPHABET.charAt(randomInt(PREFIX_ALPHABET.length));
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}
