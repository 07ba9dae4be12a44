import type { HandlerContext } from "@connectrpc/connect";
import type { AuditEventInput } from "../db/index.js";
import { describePrincipal, principalKey, requestIdKey, type Principal } from "../guards/index.js";
import { peerAddressKey } from "../transport/index.js";

/** Who did it, from where: the audit fields every event of a call shares. */
export type AuditActor = Pick<
  AuditEventInput,
  "actorUserId" | "actorApiKeyId" | "actorLabel" | "ip" | "userAgent" | "requestId"
>;

/**
 * The audit actor of a call. `principal` overrides the caller in the context,
 * for events recorded before authentication finished (e.g. a login).
 */
export function auditActorOf(context: HandlerContext, principal: Principal = context.values.get(principalKey)): AuditActor {
  return {
    actorUserId: principal.kind === "anonymous" ? null : principal.userId,
    actorApiKeyId: principal.kind === "api-key" ? principal.apiKeyId : null,
    actorLabel: describePrincipal(principal),
    ip: context.values.get(peerAddressKey) ?? null,
    userAgent: context.requestHeader.get("user-agent")?.slice(0, 512) ?? null,
    requestId: context.values.get(requestIdKey) || null,
  };
}
