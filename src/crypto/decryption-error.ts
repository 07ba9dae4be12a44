export type DecryptionFailureReason = "MALFORMED" | "UNKNOWN_KEY_VERSION" | "TAMPERED";

const MESSAGES: Readonly<Record<DecryptionFailureReason, string>> = {
  MALFORMED: "encrypted value is malformed",
  UNKNOWN_KEY_VERSION: "encrypted value uses an unknown key version",
  TAMPERED: "encrypted value failed authentication (tampered, wrong key or wrong context)",
};

export class DecryptionError extends Error {
  override readonly name = "DecryptionError";

  constructor(readonly reason: DecryptionFailureReason) {
    super(MESSAGES[reason]);
  }
}
