import { hkdfSync } from "node:crypto";

export type SubKeyPurpose =
  | "token-signing"
  | "api-key-hash"
  | "audit-hmac"
  | "refresh-token-hash"
  | "recovery-code-hash";

const NO_SALT = new Uint8Array(0);

/** HKDF-SHA256 (RFC 5869) extract-and-expand. */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  return new Uint8Array(hkdfSync("sha256", ikm, salt, info, length));
}

/** Derives an independent key per purpose, so no two features ever share key material. */
export function deriveSubKey(master: Uint8Array, purpose: SubKeyPurpose, length = 32): Uint8Array {
  const info = new TextEncoder().encode(`warden/${purpose}/v1`);
  return hkdfSha256(master, NO_SALT, info, length);
}
