import { principalKey } from "./context-keys.js";
import type { Guard } from "./guard.js";
import type { RateLimiters } from "./rate-limiters.js";

const HOUR_SECONDS = 3_600;

/** Enforces an API key's `rate_limit_per_hour` across instances (see RateLimiters). */
export function createRateLimitGuard(limiters: RateLimiters): Guard {
  return (next) => async (request, context) => {
    const principal = context.values.get(principalKey);
    if (principal.kind === "api-key" && principal.rateLimitPerHour !== undefined) {
      await limiters.consume("api-key-hourly", principal.apiKeyId, principal.rateLimitPerHour, HOUR_SECONDS);
    }
    return next(request, context);
  };
}
