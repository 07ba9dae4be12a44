import type { HandlerContext } from "@connectrpc/connect";
import { accessRuleOf, isPublic, type ForeignServiceRules } from "./access-rule.js";
import { principalKey } from "./context-keys.js";
import type { Guard } from "./guard.js";
import type { Principal } from "./principal.js";

/**
 * Turns the credentials of a call (`authorization: Bearer …` or `x-api-key`)
 * into a principal. Returns undefined when the call carries no credentials;
 * throws an UNAUTHENTICATED error when it carries bad ones.
 */
export type Authenticator = (context: HandlerContext) => Promise<Principal | undefined>;

/**
 * Sets `principalKey`. Public methods skip authentication entirely: a login
 * or health probe never pays for (or fails on) a stale token.
 */
export function createAuthenticateGuard(authenticate: Authenticator, foreignRules: ForeignServiceRules): Guard {
  return (next, method) => {
    if (isPublic(accessRuleOf(method, foreignRules))) return next;
    return async (request, context) => {
      const principal = await authenticate(context);
      if (principal !== undefined) context.values.set(principalKey, principal);
      return next(request, context);
    };
  };
}
