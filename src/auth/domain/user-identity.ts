import type { FieldViolation } from "../../errors/index.js";

const USERNAME = /^[a-zA-Z0-9_.-]{3,64}$/;
// Deliberately plain: one @, no spaces, a dot in the domain. Deliverability is not ours to judge.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MAX_EMAIL_LENGTH = 254;

/** Emails are compared and stored trimmed and lower-case. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function usernameViolations(username: string, field: string): FieldViolation[] {
  if (username === "") return [{ field, reason: "REQUIRED", description: "is required" }];
  if (!USERNAME.test(username)) {
    return [{ field, reason: "INVALID_USERNAME", description: "must be 3-64 characters of letters, digits, '_', '.' or '-'" }];
  }
  return [];
}

/** For a normalized email (see normalizeEmail). */
export function emailViolations(email: string, field: string): FieldViolation[] {
  if (email === "") return [{ field, reason: "REQUIRED", description: "is required" }];
  if (email.length > MAX_EMAIL_LENGTH || !EMAIL.test(email)) {
    return [{ field, reason: "INVALID_EMAIL", description: "is not a valid email address" }];
  }
  return [];
}
