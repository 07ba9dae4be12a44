import type { Logger } from "pino";
import { statusName, runObserved } from "./call-outcome.js";
import { principalKey, requestIdKey } from "./context-keys.js";
import type { Guard } from "./guard.js";
import { describePrincipal } from "./principal.js";

/**
 * One structured line per call: method, status, duration, caller, request id.
 * Requests, responses and headers are never logged, so secrets cannot leak here.
 */
export function createLogCallsGuard(logger: Logger): Guard {
  return (next, method) => {
    const name = `${method.parent.typeName}/${method.name}`;
    return (request, context) => {
      const started = performance.now();
      return runObserved(next, request, context, (error) => {
        const code = statusName(error);
        logger[code === "INTERNAL" || code === "UNKNOWN" ? "error" : "info"]({
          requestId: context.values.get(requestIdKey),
          method: name,
          code,
          durationMs: Math.round((performance.now() - started) * 1000) / 1000,
          principal: describePrincipal(context.values.get(principalKey)),
        }, "call");
      });
    };
  };
}
