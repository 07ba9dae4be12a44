import { accessSync, constants } from "node:fs";
import { ConfigError } from "./config-error.js";

/** Variables whose values never appear in an error message. */
const SECRET_VARIABLES = new Set([
  "DATABASE_PASSWORD",
  "DATABASE_ENCRYPTION_KEY",
  "DATABASE_ENCRYPTION_OLD_KEYS",
]);

const TRUE_WORDS = new Set(["true", "1", "yes"]);
const FALSE_WORDS = new Set(["false", "0", "no"]);
const MAX_ECHOED_LENGTH = 80;

export interface IntegerRange {
  min: number;
  max: number;
}

/** Typed, strict access to environment variables; every failure is a one-line ConfigError. */
export class EnvReader {
  constructor(private readonly env: NodeJS.ProcessEnv) {}

  /**
   * A blank value counts as unset: `PORT=` in a .env file or `-e PORT=` in compose files
   * means "not configured" far more often than "configured to nothing".
   */
  string(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === "" ? undefined : value;
  }

  has(name: string): boolean {
    return this.string(name) !== undefined;
  }

  integer(name: string, fallback: number, range: IntegerRange): number {
    return this.optionalInteger(name, range) ?? fallback;
  }

  optionalInteger(name: string, range: IntegerRange): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const value = /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < range.min || value > range.max) {
      this.fail(name, `must be an integer between ${range.min} and ${range.max}`, raw);
    }
    return value;
  }

  boolean(name: string, fallback: boolean): boolean {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const word = raw.toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    return this.fail(name, "must be one of true, false, 1, 0, yes, no", raw);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    return this.optionalOneOf(name, allowed) ?? fallback;
  }

  optionalOneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const match = allowed.find((candidate) => candidate === raw.toLowerCase());
    return match ?? this.fail(name, `must be one of ${allowed.join(", ")}`, raw);
  }

  /** Comma-separated; surrounding spaces are dropped, empty entries refused. */
  list(name: string): string[] | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const items = raw.split(",").map((item) => item.trim());
    if (items.some((item) => item === "")) this.fail(name, "must be a comma-separated list without empty entries", raw);
    return items;
  }

  /** Checked at start-up so that a wrong path is reported as configuration, naming its variable. */
  requireReadableFile(name: string, path: string, problem = "must name a readable file"): void {
    try {
      accessSync(path, constants.R_OK);
    } catch {
      this.fail(name, problem, path);
    }
  }

  /** Throws a ConfigError; the value is quoted unless the variable is secret, URLs lose their password. */
  fail(name: string, problem: string, raw?: string): never {
    throw new ConfigError(name, raw === undefined ? problem : `${problem}${describeValue(name, raw)}`);
  }
}

function describeValue(name: string, raw: string): string {
  if (SECRET_VARIABLES.has(name)) return "";
  const shown = withoutUrlPassword(raw);
  const clipped = shown.length > MAX_ECHOED_LENGTH ? `${shown.slice(0, MAX_ECHOED_LENGTH)}...` : shown;
  // JSON quoting keeps the message on one line whatever the value contains.
  return ` (got ${JSON.stringify(clipped)})`;
}

function withoutUrlPassword(raw: string): string {
  // A regex rather than URL parsing, so that even a malformed URL loses its password.
  return raw.replace(/(\/\/[^/@:]*:)[^@]*@/, "$1***@");
}
