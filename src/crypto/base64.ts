export type Base64Padding = "padded" | "unpadded" | "either";

export function encodeBase64(bytes: Uint8Array, padding: "padded" | "unpadded"): string {
  const padded = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
  return padding === "padded" ? padded : stripPadding(padded);
}

/**
 * Decodes standard base64, accepting only the canonical encoding of the bytes. Buffer.from alone
 * silently skips invalid characters and whitespace, so a corrupted value could decode to something.
 */
export function decodeBase64(text: string, padding: Base64Padding): Uint8Array | undefined {
  const bytes = Buffer.from(text, "base64");
  const padded = bytes.toString("base64");
  const unpadded = stripPadding(padded);
  const acceptsPadded = padding !== "unpadded";
  const acceptsUnpadded = padding !== "padded";
  const canonical = (acceptsPadded && text === padded) || (acceptsUnpadded && text === unpadded);
  return canonical ? new Uint8Array(bytes) : undefined;
}

function stripPadding(base64: string): string {
  return base64.replace(/=+$/, "");
}
