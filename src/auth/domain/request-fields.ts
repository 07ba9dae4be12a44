import { invalidArgument } from "../../errors/index.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A resource id from a request: required and a UUID. Checked before any query: anything else
 * cannot name a row, and PostgreSQL refuses a malformed uuid with an error that would otherwise
 * surface as INTERNAL.
 */
export function requireId(field: string, value: string): string {
  const id = value.trim().toLowerCase();
  if (id === "") throw invalidArgument([{ field, reason: "REQUIRED", description: "is required" }]);
  if (!UUID.test(id)) throw invalidArgument([{ field, reason: "INVALID_ID", description: "must be a UUID" }]);
  return id;
}

/** A required text field: anything but blank. */
export function requireText(field: string, value: string): string {
  if (value.trim() === "") throw invalidArgument([{ field, reason: "REQUIRED", description: "is required" }]);
  return value;
}
