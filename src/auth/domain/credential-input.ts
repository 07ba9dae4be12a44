import { invalidArgument } from "../../errors/index.js";

/** Bounds on what credential changes accept (passwords, codes), checked before any hashing. */

const MAX_SECRET_INPUT_LENGTH = 1024;
const TOTP_CODE = /^\d{6}$/;

/** Refuses a password or code longer than any Warden accepts: hashing it would be wasted work. */
export function checkSecretLength(field: string, value: string): void {
  if (value.length > MAX_SECRET_INPUT_LENGTH) {
    throw invalidArgument([{ field, reason: "TOO_LONG", description: `must be at most ${MAX_SECRET_INPUT_LENGTH} characters` }]);
  }
}

/** Whether a code has the form of a TOTP code (six digits); anything else may be a recovery code. */
export function isTotpCodeForm(code: string): boolean {
  return TOTP_CODE.test(code);
}
