import { Code, ConnectError } from "@connectrpc/connect";
import type { HandlerContext } from "@connectrpc/connect";
import { observeStream, type Next } from "./guard.js";

/** The gRPC status name of a finished call, e.g. "OK", "PERMISSION_DENIED". */
export function statusName(error: unknown): string {
  if (error === undefined) return "OK";
  return codeName(error instanceof ConnectError ? error.code : Code.Internal);
}

/** A code's canonical gRPC name, e.g. Code.PermissionDenied -> "PERMISSION_DENIED". */
export function codeName(code: Code): string {
  return Code[code].replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}

/**
 * Runs `next` and calls `onEnd` once the call is over: after the reply of a
 * unary call, or after the last message (or failure) of a stream.
 */
export async function runObserved(
  next: Next,
  request: unknown,
  context: HandlerContext,
  onEnd: (error: unknown) => void,
): ReturnType<Next> {
  let reply;
  try {
    reply = await next(request, context);
  } catch (error) {
    onEnd(error);
    throw error;
  }
  if (reply.kind === "unary") {
    onEnd(undefined);
    return reply;
  }
  return { kind: "stream", messages: observeStream(reply.messages, onEnd) };
}
