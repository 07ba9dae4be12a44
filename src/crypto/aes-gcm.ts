import { createCipheriv, createDecipheriv } from "node:crypto";
import { DecryptionError } from "./decryption-error.js";

export const GCM_NONCE_BYTES = 12;
export const GCM_TAG_BYTES = 16;
const AES_256_KEY_BYTES = 32;

/** AES-256-GCM encryption (RFC 5116 AEAD form): returns ciphertext ‖ tag. */
export function aesGcmSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  assertKeyAndNonce(key, nonce);
  const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: GCM_TAG_BYTES });
  cipher.setAAD(aad);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/** Inverse of aesGcmSeal; throws DecryptionError('TAMPERED') unless the tag authenticates. */
export function aesGcmOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array {
  assertKeyAndNonce(key, nonce);
  if (sealed.byteLength < GCM_TAG_BYTES) {
    throw new DecryptionError("MALFORMED");
  }
  const tagStart = sealed.byteLength - GCM_TAG_BYTES;
  const decipher = createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: GCM_TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(tagStart));
  const plaintext = decipher.update(sealed.subarray(0, tagStart));
  try {
    return Buffer.concat([plaintext, decipher.final()]);
  } catch {
    // Unauthenticated output must never escape, even partially.
    plaintext.fill(0);
    throw new DecryptionError("TAMPERED");
  }
}

function assertKeyAndNonce(key: Uint8Array, nonce: Uint8Array): void {
  if (key.byteLength !== AES_256_KEY_BYTES) {
    throw new RangeError(`AES-256-GCM key must be ${AES_256_KEY_BYTES} bytes`);
  }
  if (nonce.byteLength !== GCM_NONCE_BYTES) {
    throw new RangeError(`AES-256-GCM nonce must be ${GCM_NONCE_BYTES} bytes`);
  }
}
