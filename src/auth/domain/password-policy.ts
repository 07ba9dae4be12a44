import { zxcvbn, zxcvbnOptions } from "@zxcvbn-ts/core";
import * as zxcvbnCommon from "@zxcvbn-ts/language-common";
import * as zxcvbnEnglish from "@zxcvbn-ts/language-en";
import { invalidArgument } from "../../errors/index.js";
import type { FieldViolation } from "../../errors/index.js";

export interface PasswordOwner {
  readonly username: string;
  readonly email: string;
}

export interface PasswordPolicy {
  /** Every rule the password breaks; empty when it is acceptable. */
  check(password: string, owner: PasswordOwner, field?: string): FieldViolation[];
  /** Throws INVALID_ARGUMENT listing every broken rule. */
  assert(password: string, owner: PasswordOwner, field?: string): void;
}

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 128;
const MIN_STRENGTH_SCORE = 3;
const MIN_IDENTITY_LENGTH = 3;
// zxcvbn's l33t matcher is combinatorial: with its defaults a crafted 128-character password blocked
// the event loop for 16 s here (a crafted 16-character one for 0.27 s). Scoring a 24-character prefix
// with at most 5 substitutions kept the worst case we could craft to ~80-100 ms, about one PBKDF2
// hash, and still scores l33t spellings such as "p4ssw0rd!2024" as weak. A longer password is at
// least as strong as its prefix, so the prefix can only err towards refusing.
const STRENGTH_ESTIMATE_PREFIX = 24;
const L33T_MAX_SUBSTITUTIONS = 5;

/**
 * Builds the policy once: loading the dictionaries takes a while. zxcvbn-ts 3 keeps its options in
 * a library-wide singleton, so this configures that singleton; build the policy once per process.
 */
export function createPasswordPolicy(): PasswordPolicy {
  zxcvbnOptions.setOptions({
    dictionary: { ...zxcvbnCommon.dictionary, ...zxcvbnEnglish.dictionary },
    graphs: zxcvbnCommon.adjacencyGraphs,
    translations: zxcvbnEnglish.translations,
    l33tMaxSubstitutions: L33T_MAX_SUBSTITUTIONS,
  });
  const commonPasswords = new Set(zxcvbnCommon.dictionary.passwords.map((entry) => entry.toLowerCase()));

  const check = (password: string, { username, email }: PasswordOwner, field = "password"): FieldViolation[] => {
    const violations: FieldViolation[] = [];
    const violate = (reason: string, description: string) => violations.push({ field, reason, description });
    const codePoints = [...password];
    const length = codePoints.length;
    const lowerCasePassword = password.toLowerCase();
    const emailLocalPart = localPartOf(email);

    if (length < MIN_PASSWORD_LENGTH) {
      violate("TOO_SHORT", `must be at least ${MIN_PASSWORD_LENGTH} characters long`);
    }
    if (length > MAX_PASSWORD_LENGTH) {
      violate("TOO_LONG", `must be at most ${MAX_PASSWORD_LENGTH} characters long`);
    }
    const estimated = codePoints.slice(0, STRENGTH_ESTIMATE_PREFIX).join("");
    const { score, feedback } = zxcvbn(estimated, [username, emailLocalPart]);
    if (score < MIN_STRENGTH_SCORE) {
      violate("TOO_WEAK", `is too easy to guess${feedback.warning ? `: ${feedback.warning}` : ""}`);
    }
    if (containsIdentity(lowerCasePassword, username)) {
      violate("CONTAINS_USERNAME", "must not contain the username");
    }
    if (containsIdentity(lowerCasePassword, emailLocalPart)) {
      violate("CONTAINS_EMAIL", "must not contain the email address");
    }
    if (commonPasswords.has(lowerCasePassword)) {
      violate("COMMON_PASSWORD", "is on the list of commonly used passwords");
    }
    return violations;
  };

  return {
    check,
    assert(password, owner, field) {
      const violations = check(password, owner, field);
      if (violations.length > 0) throw invalidArgument(violations);
    },
  };
}

function localPartOf(email: string): string {
  const at = email.lastIndexOf("@");
  return at === -1 ? email : email.slice(0, at);
}

function containsIdentity(lowerCasePassword: string, identity: string): boolean {
  return [...identity].length >= MIN_IDENTITY_LENGTH && lowerCasePassword.includes(identity.toLowerCase());
}
