import { randomUUID } from "node:crypto";
import { requestIdKey } from "./context-keys.js";
import type { Guard } from "./guard.js";

export const REQUEST_ID_HEADER = "x-request-id";

// Honoured ids end up in logs and audit rows: accept only short, printable ones.
const ACCEPTABLE_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

/** Honours or generates `x-request-id`, echoes it back and makes it available to the call. */
export function createRequestIdGuard(): Guard {
  return (next) => (request, context) => {
    const offered = context.requestHeader.get(REQUEST_ID_HEADER);
    const requestId = offered !== null && ACCEPTABLE_REQUEST_ID.test(offered) ? offered : randomUUID();
    context.values.set(requestIdKey, requestId);
    context.responseHeader.set(REQUEST_ID_HEADER, requestId);
    return next(request, context);
  };
}
