import { peerAddressKey } from "../transport/index.js";
import { clientKey } from "./context-keys.js";
import type { Guard } from "./guard.js";

/** User agents end up on sessions and audit rows: long ones are cut, not refused. */
export const MAX_USER_AGENT_LENGTH = 512;

/** Makes the caller's address and user agent available to the call, in the one form every feature records. */
export function createClientInfoGuard(): Guard {
  return (next) => (request, context) => {
    context.values.set(clientKey, {
      ip: context.values.get(peerAddressKey) ?? null,
      userAgent: context.requestHeader.get("user-agent")?.slice(0, MAX_USER_AGENT_LENGTH) ?? null,
    });
    return next(request, context);
  };
}
