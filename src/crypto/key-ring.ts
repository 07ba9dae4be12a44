import { randomBytes } from "node:crypto";
import { decodeBase64, encodeBase64 } from "./base64.js";

const KEY_LENGTH_BYTES = 32;

export interface VersionedKey {
  readonly version: number;
  readonly key: Uint8Array;
}

/** The AES-256 keys known to this process; the highest version encrypts, every version decrypts. */
export class KeyRing {
  readonly current: VersionedKey;
  readonly #keysByVersion: ReadonlyMap<number, Uint8Array>;

  constructor(keys: ReadonlyArray<VersionedKey>) {
    const keysByVersion = new Map<number, Uint8Array>();
    let newest: VersionedKey | undefined;
    for (const { version, key } of keys) {
      assertValidVersion(version);
      if (key.byteLength !== KEY_LENGTH_BYTES) {
        throw new Error(`key version ${version} must be ${KEY_LENGTH_BYTES} bytes, got ${key.byteLength}`);
      }
      if (keysByVersion.has(version)) {
        throw new Error(`key version ${version} appears more than once`);
      }
      // Copied so that a caller reusing its buffer cannot change the ring's keys.
      const copy = Uint8Array.from(key);
      keysByVersion.set(version, copy);
      if (newest === undefined || version > newest.version) {
        newest = { version, key: copy };
      }
    }
    if (newest === undefined) {
      throw new Error("key ring needs at least one key");
    }
    this.#keysByVersion = keysByVersion;
    this.current = newest;
  }

  get(version: number): Uint8Array | undefined {
    return this.#keysByVersion.get(version);
  }

  /** Every key, oldest first. */
  get all(): VersionedKey[] {
    return [...this.#keysByVersion]
      .map(([version, key]) => ({ version, key }))
      .sort((a, b) => a.version - b.version);
  }
}

const VERSIONED_SPEC = /^v(\d+):(.*)$/s;

/** Parses `base64` (version 1) or `v<N>:base64`, as found in DATABASE_ENCRYPTION_KEY. */
export function parseKeySpec(spec: string): VersionedKey {
  const trimmed = spec.trim();
  const match = VERSIONED_SPEC.exec(trimmed);
  const version = match ? Number(match[1]) : 1;
  const encodedKey = match ? (match[2] as string) : trimmed;
  assertValidVersion(version);
  const key = decodeBase64(encodedKey, "either");
  if (key === undefined) {
    throw new Error("encryption key is not valid base64");
  }
  if (key.byteLength !== KEY_LENGTH_BYTES) {
    throw new Error(`encryption key must decode to ${KEY_LENGTH_BYTES} bytes, got ${key.byteLength}`);
  }
  return { version, key };
}

export function generateKeySpec(version = 1): string {
  assertValidVersion(version);
  return `v${version}:${encodeBase64(randomBytes(KEY_LENGTH_BYTES), "padded")}`;
}

function assertValidVersion(version: number): void {
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new Error(`key version must be a positive integer, got ${version}`);
  }
}
