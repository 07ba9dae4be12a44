import { Metadata } from "@grpc/grpc-js";

/**
 * Header names a handler may not set on a gRPC response: gRPC's own (`grpc-*`, content-type, te)
 * and HTTP/1 connection headers, which node:http2 refuses outright.
 */
const reservedHeaderNames = new Set([
  "content-type",
  "content-length",
  "te",
  "host",
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
]);
const legalMetadataKey = /^[0-9a-z_.-]+$/;
const legalTextValue = /^[ -~]*$/;

const isBinaryKey = (key: string): boolean => key.endsWith("-bin");

/**
 * Response headers or trailers set by a handler, as grpc-js metadata. Entries gRPC cannot carry
 * (reserved names, illegal keys, non-ASCII text) are dropped rather than failing the call.
 */
export function metadataFromHeaders(...sources: Headers[]): Metadata {
  const metadata = new Metadata();
  for (const headers of sources) {
    headers.forEach((value, key) => {
      if (key.startsWith("grpc-") || reservedHeaderNames.has(key) || !legalMetadataKey.test(key)) return;
      if (isBinaryKey(key)) {
        for (const encoded of value.split(",")) metadata.add(key, Buffer.from(encoded.trim(), "base64"));
      } else if (legalTextValue.test(value)) {
        metadata.add(key, value);
      }
    });
  }
  return metadata;
}

/** String pairs (e.g. `authorization`) as request metadata; `-bin` values are given in base64. */
export function metadataFromRecord(...records: Array<Readonly<Record<string, string>> | undefined>): Metadata {
  const metadata = new Metadata();
  for (const record of records) {
    for (const [name, value] of Object.entries(record ?? {})) {
      const key = name.toLowerCase();
      metadata.set(key, isBinaryKey(key) ? Buffer.from(value, "base64") : value);
    }
  }
  return metadata;
}
