import type { FieldViolation } from "../../errors/index.js";

/** What a custom role's fields must look like (CreateRole, UpdateRole). */

const ROLE_NAME = /^[A-Z][A-Z0-9_]{1,63}$/;
const MAX_DESCRIPTION_LENGTH = 1024;

export function roleNameViolations(name: string): FieldViolation[] {
  if (name === "") return [{ field: "name", reason: "REQUIRED", description: "is required" }];
  if (!ROLE_NAME.test(name)) {
    return [{ field: "name", reason: "INVALID_ROLE_NAME", description: "must be 2-64 characters: an upper-case letter, then upper-case letters, digits or '_'" }];
  }
  return [];
}

export function roleDescriptionViolations(description: string): FieldViolation[] {
  return [...description].length > MAX_DESCRIPTION_LENGTH
    ? [{ field: "description", reason: "TOO_LONG", description: `must be at most ${MAX_DESCRIPTION_LENGTH} characters` }]
    : [];
}

/** A role's permission list: no empty entry, none listed twice (an empty list is a role granting nothing). */
export function rolePermissionListViolations(permissions: readonly string[]): FieldViolation[] {
  const violations: FieldViolation[] = [];
  permissions.forEach((permission, index) => {
    if (permission === "") violations.push({ field: `permissions[${index}]`, reason: "REQUIRED", description: "must not be empty" });
    else if (permissions.indexOf(permission) !== index) {
      violations.push({ field: `permissions[${index}]`, reason: "DUPLICATE", description: `"${permission}" is listed twice` });
    }
  });
  return violations;
}

/** The requested permissions not in the catalogue, each on its own field `permissions[i]`. */
export function unknownPermissionViolations(requested: readonly string[], known: ReadonlySet<string>): FieldViolation[] {
  return requested.flatMap((name, index): FieldViolation[] =>
    known.has(name) ? [] : [{ field: `permissions[${index}]`, reason: "UNKNOWN_PERMISSION", description: `no permission "${name}"` }],
  );
}
