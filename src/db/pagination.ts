import { createHash } from "node:crypto";
import { invalidArgument } from "../errors/index.js";

/**
 * AIP-158 pagination for every List RPC: `page_size` (0 = default, capped at the maximum, negative
 * refused), an opaque `page_token`, and `next_page_token` empty on the last page.
 *
 * Pages are keyset pages: the token carries the sort key of the last row served, and the next page
 * is "rows after that key" in the same stable order. Unlike offsets, a row inserted or deleted
 * meanwhile neither repeats nor skips the others. The token is base64url JSON, not signed: a forged
 * one can only move the starting point of a list the caller may read anyway. It is bound to the
 * request's other parameters (`scope`), so a token cannot be replayed under different filters.
 */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

/** Longer tokens are refused before decoding. */
const MAX_PAGE_TOKEN_LENGTH = 2048;
const TOKEN_FORMAT_VERSION = 1;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** One value of a cursor: what a sort key can be. Dates travel as epoch milliseconds. */
export type CursorValue = string | number | boolean | null;
export type Cursor = Readonly<Record<string, CursorValue>>;

export interface PageTokenOptions {
  /**
   * The request's other parameters that shape the list (filters, order), in any stable text form.
   * A token is only accepted with the scope it was issued under.
   */
  readonly scope?: string;
  /** The request field, for the BadRequest violation. */
  readonly field?: string;
}

export interface Page<Row> {
  readonly items: Row[];
  /** Empty on the last page. */
  readonly nextPageToken: string;
}

/** The number of rows to serve: 0 gives the default, more than the maximum gives the maximum. */
export function pageSizeOf(requested: number, field = "page_size"): number {
  if (!Number.isInteger(requested) || requested < 0) {
    throw invalidArgument([{ field, reason: "NEGATIVE_PAGE_SIZE", description: "must not be negative" }]);
  }
  if (requested === 0) return DEFAULT_PAGE_SIZE;
  return Math.min(requested, MAX_PAGE_SIZE);
}

export function encodePageToken(cursor: Cursor, options: PageTokenOptions = {}): string {
  const envelope: TokenEnvelope = { v: TOKEN_FORMAT_VERSION, s: scopeHash(options.scope), c: cursor };
  return Buffer.from(JSON.stringify(envelope), "utf8").toString("base64url");
}

/**
 * The cursor of a page token, or undefined for an empty token (the first page). `read` turns the
 * raw cursor into the caller's typed one and returns undefined when it is not one; any malformed,
 * foreign or out-of-scope token answers INVALID_ARGUMENT on the token's field.
 */
export function decodePageToken<T>(
  token: string,
  read: (cursor: Cursor) => T | undefined,
  options: PageTokenOptions = {},
): T | undefined {
  if (token === "") return undefined;
  const field = options.field ?? "page_token";
  const refuse = (description: string) =>
    invalidArgument([{ field, reason: "INVALID_PAGE_TOKEN", description }]);
  if (token.length > MAX_PAGE_TOKEN_LENGTH || !BASE64URL.test(token)) throw refuse("is not a page token of this list");
  let envelope: unknown;
  try {
    envelope = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw refuse("is not a page token of this list");
  }
  if (!isEnvelope(envelope)) throw refuse("is not a page token of this list");
  if (envelope.s !== scopeHash(options.scope)) {
    throw refuse("was issued for a request with other parameters; repeat them unchanged or start again");
  }
  const cursor = read(envelope.c);
  if (cursor === undefined) throw refuse("is not a page token of this list");
  return cursor;
}

/**
 * Cuts a page from rows fetched with `limit pageSize + 1`: the extra row only tells that another
 * page exists, and the token points after the last row served.
 */
export function pageOf<Row>(
  rows: readonly Row[],
  pageSize: number,
  cursorOf: (last: Row) => Cursor,
  options: PageTokenOptions = {},
): Page<Row> {
  if (rows.length <= pageSize) return { items: [...rows], nextPageToken: "" };
  const items = rows.slice(0, pageSize);
  const last = items[items.length - 1];
  return { items, nextPageToken: last === undefined ? "" : encodePageToken(cursorOf(last), options) };
}

interface TokenEnvelope {
  v: number;
  s: string;
  c: Cursor;
}

function isEnvelope(value: unknown): value is TokenEnvelope {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const { v, s, c } = value as Record<string, unknown>;
  if (v !== TOKEN_FORMAT_VERSION || typeof s !== "string") return false;
  if (typeof c !== "object" || c === null || Array.isArray(c)) return false;
  return Object.values(c).every(
    (item) => item === null || typeof item === "string" || typeof item === "boolean" || (typeof item === "number" && Number.isFinite(item)),
  );
}

function scopeHash(scope: string | undefined): string {
  return createHash("sha256")
    .update(scope ?? "", "utf8")
    .digest("base64url")
    .slice(0, 16);
}
