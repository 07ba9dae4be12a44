export { DomainError, invalidArgument } from "./domain-error.js";
export type { DomainErrorDetails, DomainErrorKind, FieldViolation } from "./domain-error.js";
