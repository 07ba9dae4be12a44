import { invalidArgument, type FieldViolation } from "../../errors/index.js";
import { parseCidrs } from "./cidrs.js";

/** What a new API key must look like (CreateApiKey). */

const MAX_NAME_LENGTH = 128;

export interface ApiKeySpec {
  readonly name: string;
  readonly permissions: readonly string[];
  readonly allowedCidrs: readonly string[];
  /** 0 = no per-key limit. */
  readonly rateLimitPerHour: number;
  /** Undefined: the key does not expire. */
  readonly expiresAt: Date | undefined;
}

export interface ValidApiKeySpec {
  /** Trimmed. */
  readonly name: string;
  /** Distinct and sorted. */
  readonly permissions: string[];
  /** Normalized and distinct (see parseCidrs). */
  readonly cidrs: string[];
  readonly expiresAt: Date | null;
}

/** The spec, normalized; throws INVALID_ARGUMENT with every violation at once. */
export function validateApiKeySpec(spec: ApiKeySpec, now: Date): ValidApiKeySpec {
  const violations: FieldViolation[] = [];
  const name = spec.name.trim();
  if (name === "") violations.push({ field: "name", reason: "REQUIRED", description: "is required" });
  else if ([...name].length > MAX_NAME_LENGTH) {
    violations.push({ field: "name", reason: "TOO_LONG", description: `must be at most ${MAX_NAME_LENGTH} characters` });
  }
  if (spec.permissions.length === 0) {
    violations.push({ field: "permissions", reason: "REQUIRED", description: "must list at least one permission" });
  }
  spec.permissions.forEach((permission, index) => {
    if (permission === "") violations.push({ field: `permissions[${index}]`, reason: "REQUIRED", description: "must not be empty" });
  });
  const { cidrs, violations: cidrViolations } = parseCidrs(spec.allowedCidrs);
  violations.push(...cidrViolations);
  if (spec.rateLimitPerHour < 0) {
    violations.push({ field: "rate_limit_per_hour", reason: "NEGATIVE", description: "must not be negative (0 = no limit)" });
  }
  const expiresAt = spec.expiresAt ?? null;
  if (expiresAt !== null && (Number.isNaN(expiresAt.getTime()) || expiresAt <= now)) {
    violations.push({ field: "expire_time", reason: "NOT_IN_FUTURE", description: "must be in the future" });
  }
  if (violations.length > 0) throw invalidArgument(violations);
  return { name, permissions: [...new Set(spec.permissions)].sort(), cidrs, expiresAt };
}
