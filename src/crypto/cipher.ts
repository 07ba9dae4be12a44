import { randomBytes } from "node:crypto";
import { aesGcmOpen, aesGcmSeal, GCM_NONCE_BYTES } from "./aes-gcm.js";
import { DecryptionError } from "./decryption-error.js";
import type { KeyRing } from "./key-ring.js";
import { formatStoredCiphertext, parseStoredCiphertext, type StoredCiphertext } from "./stored-ciphertext.js";

/**
 * Encrypts values at rest. `aad` names the row the value belongs to (e.g.
 * "settings/production/db.url"), so a ciphertext copied to another row fails as TAMPERED.
 */
export interface Cipher {
  encrypt(plaintext: string, aad: string): string;
  /** @throws DecryptionError */
  decrypt(stored: string, aad: string): string;
  /** Decrypts with the value's own key version and encrypts again under the current key. */
  reencrypt(stored: string, aad: string): string;
  /** @throws DecryptionError('MALFORMED') when `stored` is not an encrypted value */
  needsReencrypt(stored: string): boolean;
}

const UTF8_DECODER = new TextDecoder();

export function createCipher(ring: KeyRing): Cipher {
  const encrypt = (plaintext: string, aad: string): string => {
    const { version, key } = ring.current;
    const nonce = randomBytes(GCM_NONCE_BYTES);
    const sealed = aesGcmSeal(key, nonce, utf8(plaintext), utf8(aad));
    return formatStoredCiphertext({ keyVersion: version, nonce, sealed });
  };

  const decrypt = (stored: string, aad: string): string => {
    const { keyVersion, nonce, sealed } = parseOrThrow(stored);
    const key = ring.get(keyVersion);
    if (key === undefined) {
      throw new DecryptionError("UNKNOWN_KEY_VERSION");
    }
    return UTF8_DECODER.decode(aesGcmOpen(key, nonce, sealed, utf8(aad)));
  };

  return {
    encrypt,
    decrypt,
    reencrypt: (stored, aad) => encrypt(decrypt(stored, aad), aad),
    needsReencrypt: (stored) => parseOrThrow(stored).keyVersion !== ring.current.version,
  };
}

function parseOrThrow(stored: string): StoredCiphertext {
  const parsed = parseStoredCiphertext(stored);
  if (parsed === undefined) {
    throw new DecryptionError("MALFORMED");
  }
  return parsed;
}

function utf8(text: string): Uint8Array {
  return Buffer.from(text, "utf8");
}
