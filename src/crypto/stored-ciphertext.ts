import { GCM_NONCE_BYTES, GCM_TAG_BYTES } from "./aes-gcm.js";
import { decodeBase64, encodeBase64 } from "./base64.js";

/** An encrypted value as stored: `v<N>:` + base64(nonce ‖ ciphertext ‖ tag). */
export interface StoredCiphertext {
  readonly keyVersion: number;
  readonly nonce: Uint8Array;
  /** ciphertext ‖ tag */
  readonly sealed: Uint8Array;
}

const STORED_FORM = /^v([1-9][0-9]*):([A-Za-z0-9+/]+={0,2})$/;

export function formatStoredCiphertext({ keyVersion, nonce, sealed }: StoredCiphertext): string {
  const payload = Buffer.concat([nonce, sealed]);
  return `v${keyVersion}:${encodeBase64(payload, "padded")}`;
}

export function parseStoredCiphertext(stored: string): StoredCiphertext | undefined {
  const match = STORED_FORM.exec(stored);
  if (!match) {
    return undefined;
  }
  const keyVersion = Number(match[1]);
  const payload = decodeBase64(match[2] as string, "padded");
  if (!Number.isSafeInteger(keyVersion) || payload === undefined) {
    return undefined;
  }
  if (payload.byteLength < GCM_NONCE_BYTES + GCM_TAG_BYTES) {
    return undefined;
  }
  return {
    keyVersion,
    nonce: payload.subarray(0, GCM_NONCE_BYTES),
    sealed: payload.subarray(GCM_NONCE_BYTES),
  };
}

/** Whether the value has the stored-ciphertext shape; says nothing about whether it decrypts. */
export function isEncrypted(value: string): boolean {
  return parseStoredCiphertext(value) !== undefined;
}
