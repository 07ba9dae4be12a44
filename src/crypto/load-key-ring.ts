import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { EncryptionConfig } from "../config/index.js";
import { generateKeySpec, KeyRing, parseKeySpec } from "./key-ring.js";

export const DEVELOPMENT_KEY_FILE = "encryption.key";

/**
 * The key ring from configuration. With no key configured (configuration only
 * allows that in development) a key is created once in the data directory and
 * reused on later starts, with a warning: such a key is as safe as that file.
 */
export function loadKeyRing(encryption: EncryptionConfig, warn: (message: string) => void): KeyRing {
  if (encryption.keys.length > 0) return new KeyRing(encryption.keys.map(parseKeySpec));
  const file = join(encryption.dataDir, DEVELOPMENT_KEY_FILE);
  if (!existsSync(file)) {
    mkdirSync(encryption.dataDir, { recursive: true });
    writeFileSync(file, `${generateKeySpec()}\n`, { mode: 0o600, flag: "wx" });
    warn(`DATABASE_ENCRYPTION_KEY is not set: generated a development key in ${file}; set the variable in production`);
  }
  return new KeyRing([parseKeySpec(readFileSync(file, "utf8"))]);
}
