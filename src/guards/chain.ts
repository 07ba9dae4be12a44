import type { Logger } from "pino";
import type { ChangeNotifier, Orm } from "../db/index.js";
import type { Registry } from "prom-client";
import type { ForeignServiceRules } from "./access-rule.js";
import { createAuthenticateGuard, type Authenticator } from "./authenticate.js";
import { createAuthorizeGuard } from "./authorize.js";
import { createClientInfoGuard } from "./client-info.js";
import type { Guard } from "./guard.js";
import { createLogCallsGuard } from "./log-calls.js";
import { createMapErrorsGuard } from "./map-errors.js";
import { createRateLimitGuard } from "./rate-limit.js";
import type { RateLimiters } from "./rate-limiters.js";
import { createRecordMetricsGuard } from "./record-metrics.js";
import { createRequestIdGuard } from "./request-id.js";
import { createUnitOfWorkGuard } from "./unit-of-work.js";

export interface GuardChainDependencies {
  readonly logger: Logger;
  readonly metrics: Registry;
  readonly authenticate: Authenticator;
  readonly foreignRules: ForeignServiceRules;
  readonly orm: Orm;
  readonly notifier: ChangeNotifier;
  readonly rateLimiters: RateLimiters;
}

/**
 * The one ordered list of guards every service on both listeners runs through,
 * outermost first. Logging and metrics sit outside error mapping so they see
 * the final status; authentication precedes authorization, which precedes
 * rate limiting (a refused call costs no quota) and any database work.
 */
export function createGuardChain(deps: GuardChainDependencies): Guard[] {
  return [
    createRequestIdGuard(),
    createClientInfoGuard(),
    createLogCallsGuard(deps.logger),
    createRecordMetricsGuard(deps.metrics),
    createMapErrorsGuard(deps.logger),
    createAuthenticateGuard(deps.authenticate, deps.foreignRules),
    createAuthorizeGuard(deps.foreignRules),
    createRateLimitGuard(deps.rateLimiters),
    createUnitOfWorkGuard(deps.orm, deps.notifier),
  ];
}
