import { hashSecret, constantTimeEqual } from "./api-key.js";
import { deriveSubKey, type SubKeyPurpose } from "./hkdf.js";
import type { KeyRing } from "./key-ring.js";

/**
 * Keyed hashes of high-entropy secrets (API keys, refresh tokens, recovery
 * codes) that survive master-key rotation: each hash records the key version
 * whose sub-key made it (`v<N>:<hex>`), new hashes use the newest version, and
 * any version still in the ring verifies.
 */
export interface SecretHasher {
  hash(secret: string): string;
  verify(secret: string, stored: string): boolean;
}

const STORED_HASH = /^v(\d+):([0-9a-f]{64})$/;

export function createSecretHasher(ring: KeyRing, purpose: SubKeyPurpose): SecretHasher {
  const subKeys = new Map(ring.all.map(({ version, key }) => [version, deriveSubKey(key, purpose)]));
  const current = ring.current.version;
  const currentKey = subKeys.get(current) as Uint8Array;
  return {
    hash: (secret) => `v${current}:${hashSecret(secret, currentKey)}`,
    verify(secret, stored) {
      const match = STORED_HASH.exec(stored);
      const subKey = match === null ? undefined : subKeys.get(Number(match[1]));
      if (match === null || subKey === undefined) return false;
      return constantTimeEqual(hashSecret(secret, subKey), match[2] as string);
    },
  };
}
