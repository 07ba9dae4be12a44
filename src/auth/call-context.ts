import type { HandlerContext } from "@connectrpc/connect";
import type { EntityManager } from "../db/index.js";
import { DomainError, invalidArgument } from "../errors/index.js";
import { entityManagerKey, principalKey, type UserPrincipal } from "../guards/index.js";
import { peerAddressKey } from "../transport/index.js";

/** The call's unit of work (a forked EntityManager, created on first use). */
export function entityManagerOf(context: HandlerContext): EntityManager {
  return context.values.get(entityManagerKey)() as EntityManager;
}

/**
 * The calling user. Methods declared `user_session_only` in the proto are refused to anyone else
 * by the authorize guard; this only narrows the type (and fails closed if a rule ever changes).
 */
export function callingUser(context: HandlerContext): UserPrincipal {
  const principal = context.values.get(principalKey);
  if (principal.kind !== "user") {
    throw new DomainError("permission-denied", "USER_SESSION_REQUIRED", "this method requires a user session");
  }
  return principal;
}

/** Where the call comes from, as stored on sessions. */
export interface ClientInfo {
  readonly ip: string | null;
  readonly userAgent: string | null;
}

const MAX_USER_AGENT_LENGTH = 512;

export function clientInfoOf(context: HandlerContext): ClientInfo {
  return {
    ip: context.values.get(peerAddressKey) ?? null,
    userAgent: context.requestHeader.get("user-agent")?.slice(0, MAX_USER_AGENT_LENGTH) ?? null,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A request's resource id: required and a UUID (anything else cannot name a row). */
export function requireId(field: string, value: string): string {
  const id = value.trim().toLowerCase();
  if (id === "") throw invalidArgument([{ field, reason: "REQUIRED", description: "is required" }]);
  if (!UUID.test(id)) throw invalidArgument([{ field, reason: "INVALID_ID", description: "must be a UUID" }]);
  return id;
}
