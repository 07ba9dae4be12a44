import type { EntityManager } from "@mikro-orm/core";
import { createContextKey } from "@connectrpc/connect";
import { ANONYMOUS, type Principal } from "./principal.js";

/** The request id of the call: honoured from `x-request-id` or generated. */
export const requestIdKey = createContextKey<string>("", { description: "request id" });

/** The authenticated caller, ANONYMOUS until the authenticate guard has run. */
export const principalKey = createContextKey<Principal>(ANONYMOUS, { description: "caller" });

/**
 * The call's unit of work: a forked EntityManager, created on first use so
 * calls that never touch the database (health, evaluation) pay nothing.
 */
export const entityManagerKey = createContextKey<() => EntityManager>(
  () => {
    throw new Error("no unit of work on this call: the unit-of-work guard is missing");
  },
  { description: "entity manager" },
);
