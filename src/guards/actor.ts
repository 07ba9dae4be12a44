import type { HandlerContext } from "@connectrpc/connect";
import type { AuditActor } from "../db/index.js";
import { DomainError } from "../errors/index.js";
import { clientKey, principalKey, requestIdKey, type ClientInfo } from "./context-keys.js";
import { describePrincipal, type Caller, type Principal, type SystemPrincipal, type UserPrincipal } from "./principal.js";

/**
 * Who a use case acts for: the principal its rules look at, and the audit fields of the rows it
 * writes (so `tx.audit(actor, event)` records who, from where and in which request).
 */
export interface Actor<P extends Principal = Principal> extends AuditActor {
  readonly principal: P;
}

/** The actor of a call, as the guards established it. */
export function actorOf(context: HandlerContext): Actor {
  return actorFor(context.values.get(principalKey), context.values.get(clientKey), context.values.get(requestIdKey) || null);
}

/** The actor of a call whose methods the authorize guard opens to authenticated callers only. */
export function callerActorOf(context: HandlerContext): Actor<Caller> {
  const actor = actorOf(context);
  if (actor.principal.kind === "anonymous") throw new DomainError("unauthenticated", "UNAUTHENTICATED", "credentials required");
  return actor as Actor<Caller>;
}

/**
 * The actor of a method the proto declares `user_session_only`: the authorize guard refuses
 * anyone else; this narrows the type (and fails closed should a rule ever change).
 */
export function userActorOf(context: HandlerContext): Actor<UserPrincipal> {
  const actor = actorOf(context);
  if (actor.principal.kind !== "user") {
    throw new DomainError("permission-denied", "USER_SESSION_REQUIRED", "this method requires a user session, not an API key");
  }
  return actor as Actor<UserPrincipal>;
}

/** The same call acting for another principal: e.g. the user a login has just authenticated. */
export function actingAs<P extends Principal>(actor: Actor, principal: P): Actor<P> {
  return actorFor(principal, actor, actor.requestId);
}

/** Warden itself, outside any call (commands, start-up): holds the permissions it is given. */
export function systemActor(label: string, permissions: Iterable<string>): Actor<SystemPrincipal> {
  return actorFor({ kind: "system", label, permissions: new Set(permissions) }, { ip: null, userAgent: null }, null);
}

function actorFor<P extends Principal>(principal: P, client: ClientInfo, requestId: string | null): Actor<P> {
  return {
    principal,
    actorUserId: principal.kind === "user" || principal.kind === "api-key" ? principal.userId : null,
    actorApiKeyId: principal.kind === "api-key" ? principal.apiKeyId : null,
    actorLabel: describePrincipal(principal),
    ip: client.ip,
    userAgent: client.userAgent,
    requestId,
  };
}
