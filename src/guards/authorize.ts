import { DomainError } from "../errors/index.js";
import { accessRuleOf, type ForeignServiceRules } from "./access-rule.js";
import { principalKey } from "./context-keys.js";
import type { Guard, Next } from "./guard.js";
import type { Principal } from "./principal.js";

/**
 * Enforces the access rule each method declares in its proto, failing closed:
 * a method without a rule is refused for everyone. The rule is read once, at
 * registration; per call this is a set lookup.
 */
export function createAuthorizeGuard(foreignRules: ForeignServiceRules): Guard {
  return (next, method) => {
    const accessRule = accessRuleOf(method, foreignRules);
    const requirement = accessRule?.requirement;
    if (requirement === undefined || requirement.case === undefined) {
      return refuseAll(`${method.parent.typeName}/${method.name} declares no access rule`);
    }
    if (requirement.case === "public") return next;
    const permission = requirement.case === "permission" ? requirement.value : undefined;
    const userSessionOnly = accessRule?.userSessionOnly ?? false;
    return (request, context) => {
      check(context.values.get(principalKey), permission, userSessionOnly);
      return next(request, context);
    };
  };
}

function check(principal: Principal, permission: string | undefined, userSessionOnly: boolean): void {
  if (principal.kind === "anonymous") {
    throw new DomainError("unauthenticated", "UNAUTHENTICATED", "credentials required");
  }
  if (userSessionOnly && principal.kind !== "user") {
    throw new DomainError("permission-denied", "USER_SESSION_REQUIRED", "this method requires a user session, not an API key");
  }
  if (permission !== undefined && !principal.permissions.has(permission)) {
    throw new DomainError("permission-denied", "PERMISSION_DENIED", `permission "${permission}" required`, {
      metadata: { permission },
    });
  }
}

function refuseAll(why: string): Next {
  return () => Promise.reject(new DomainError("permission-denied", "NO_ACCESS_RULE", why));
}
