/**
 * What went wrong, in domain terms. Domain code throws these; the error guard
 * turns them into gRPC codes with google.rpc details in exactly one place.
 */
export type DomainErrorKind =
  | "invalid-argument"
  | "not-found"
  | "already-exists"
  | "version-conflict"
  | "failed-precondition"
  | "permission-denied"
  | "unauthenticated"
  | "resource-exhausted"
  | "unavailable";

export interface FieldViolation {
  readonly field: string;
  readonly description: string;
  /** UPPER_SNAKE machine-readable cause, e.g. "TOO_SHORT". */
  readonly reason?: string;
}

export interface DomainErrorDetails {
  readonly metadata?: Readonly<Record<string, string>>;
  readonly fieldViolations?: readonly FieldViolation[];
  readonly retryAfterMs?: number;
}

export class DomainError extends Error {
  override readonly name = "DomainError";

  constructor(
    readonly kind: DomainErrorKind,
    /** UPPER_SNAKE reason for google.rpc.ErrorInfo, e.g. "SETTING_NOT_FOUND". */
    readonly reason: string,
    message: string,
    readonly details: DomainErrorDetails = {},
  ) {
    super(message);
  }
}

/** A request field failed validation: INVALID_ARGUMENT with one BadRequest violation per problem. */
export function invalidArgument(violations: readonly FieldViolation[], message?: string): DomainError {
  const summary = message ?? violations.map((v) => `${v.field}: ${v.description}`).join("; ");
  return new DomainError("invalid-argument", "INVALID_ARGUMENT", summary, { fieldViolations: violations });
}
