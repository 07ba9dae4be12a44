import { createHash, createPrivateKey, createPublicKey, webcrypto } from "node:crypto";
import type { CryptoKey } from "jose";
import { deriveSubKey } from "../../crypto/index.js";
import type { VersionedKey } from "../../crypto/index.js";

/** RFC 8037 public JWK, as published in the JWK Set. */
export interface Ed25519PublicJwk {
  readonly kty: "OKP";
  readonly crv: "Ed25519";
  readonly x: string;
  readonly kid: string;
  readonly alg: "EdDSA";
  readonly use: "sig";
}

/** RFC 7517 JWK Set. */
export interface JsonWebKeySet {
  readonly keys: readonly Ed25519PublicJwk[];
}

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
}

export interface TokenSigningKeys {
  /** Signs new tokens: derived from the current key-ring version. */
  readonly signing: SigningKey;
  /** The verification key with this `kid`, if it belongs to any key-ring version. */
  verificationKey(kid: string): CryptoKey | undefined;
  /** Public keys only, newest version first. */
  jwks(): JsonWebKeySet;
}

export interface TokenSigningKeysOptions {
  readonly keys: ReadonlyArray<VersionedKey>;
  readonly currentVersion: number;
}

// RFC 8410 PKCS#8 wrapping of a 32-byte Ed25519 seed: everything before the seed is constant.
const ED25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const KID_DIGEST_HEX_CHARS = 16;

/**
 * Ed25519 token keys derived from each key-ring version. Derivation is deterministic, so every
 * instance sharing the master keys signs and verifies alike with no stored key table, and a
 * rotated master key adds a new `kid` while tokens signed under older versions still verify.
 */
export async function deriveTokenSigningKeys({
  keys,
  currentVersion,
}: TokenSigningKeysOptions): Promise<TokenSigningKeys> {
  const derived = await Promise.all(keys.map(deriveKeyPair));
  const signing = derived.find((pair) => pair.version === currentVersion);
  if (signing === undefined) {
    throw new Error(`current key version ${currentVersion} is not among the ${keys.length} keys given`);
  }
  const verificationKeys = new Map(derived.map((pair) => [pair.publicJwk.kid, pair.publicKey]));
  const keySet: JsonWebKeySet = {
    keys: [...derived].sort((a, b) => b.version - a.version).map((pair) => pair.publicJwk),
  };
  return {
    signing: { kid: signing.publicJwk.kid, privateKey: signing.privateKey },
    verificationKey: (kid) => verificationKeys.get(kid),
    jwks: () => keySet,
  };
}

interface DerivedKeyPair {
  readonly version: number;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly publicJwk: Ed25519PublicJwk;
}

async function deriveKeyPair({ version, key }: VersionedKey): Promise<DerivedKeyPair> {
  const pkcs8 = Buffer.concat([ED25519_PKCS8_PREFIX, deriveSubKey(key, "token-signing", 32)]);
  const { x } = createPublicKey(createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" })).export({
    format: "jwk",
  });
  if (x === undefined) throw new Error("Ed25519 public key export lacks x");
  const rawPublicKey = Buffer.from(x, "base64url");
  const kid = `v${version}-${createHash("sha256").update(rawPublicKey).digest("hex").slice(0, KID_DIGEST_HEX_CHARS)}`;
  // Imported once as CryptoKeys, the form jose signs and verifies with no per-call conversion.
  const [privateKey, publicKey] = await Promise.all([
    webcrypto.subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, false, ["sign"]),
    webcrypto.subtle.importKey("raw", rawPublicKey, { name: "Ed25519" }, true, ["verify"]),
  ]);
  return {
    version,
    privateKey,
    publicKey,
    publicJwk: { kty: "OKP", crv: "Ed25519", x, kid, alg: "EdDSA", use: "sig" },
  };
}
