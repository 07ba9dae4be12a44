import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";
import type { DatabaseConfig } from "../config/index.js";

/**
 * The `ssl` option of a pg client for the configured sslMode.
 *
 * node-postgres cannot fall back between plain and TLS connections the way libpq does, so "allow"
 * (plain first) connects in plain text and "prefer" (TLS first) insists on TLS, like "require":
 * encrypted but without checking the certificate.
 */
export function postgresSslOptions(config: DatabaseConfig): false | ConnectionOptions {
  const ca = config.sslRootCertFile === undefined ? {} : { ca: readFileSync(config.sslRootCertFile, "utf8") };
  switch (config.sslMode) {
    case "disable":
    case "allow":
      return false;
    case "prefer":
    case "require":
      return { rejectUnauthorized: false };
    case "verify-ca":
      return { ...ca, rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case "verify-full":
      return { ...ca, rejectUnauthorized: true };
  }
}
