import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";

/** What a handler produced: one message, or a stream of them (server streaming). */
export type Reply =
  | { readonly kind: "unary"; readonly message: unknown }
  | { readonly kind: "stream"; readonly messages: AsyncIterable<unknown> };

/** One step of a call: takes the request, eventually produces the reply. */
export type Next = (request: unknown, context: HandlerContext) => Promise<Reply>;

/**
 * A guard wraps the call of one method. It is applied once per method when a
 * service is registered, so per-method work (reading the access rule, building
 * metric labels) happens at start-up, not per call.
 */
export type Guard = (next: Next, method: DescMethod) => Next;

type AnyServiceImpl = Partial<Record<string, (request: unknown, context: HandlerContext) => unknown>>;

/**
 * Returns a ServiceImpl whose every method runs through `guards`, outermost
 * first. Methods the implementation lacks still pass through the guards (so
 * an unauthenticated caller learns nothing) and then answer UNIMPLEMENTED.
 * Only unary and server-streaming methods exist in Warden's API; any other
 * kind is refused here, at registration.
 */
export function applyGuards<S extends DescService>(
  service: S,
  impl: Partial<ServiceImpl<S>>,
  guards: readonly Guard[],
): ServiceImpl<S> {
  const handlers = impl as AnyServiceImpl;
  const guarded: Record<string, unknown> = {};
  for (const method of service.methods) {
    const handler = handlers[method.localName]?.bind(impl);
    const innermost = replyOf(method, handler);
    const chain = guards.reduceRight<Next>((next, guard) => guard(next, method), innermost);
    guarded[method.localName] =
      method.methodKind === "unary"
        ? async (request: unknown, context: HandlerContext) => {
            const reply = await chain(request, context);
            return reply.kind === "unary" ? reply.message : undefined;
          }
        : async function* (request: unknown, context: HandlerContext) {
            const reply = await chain(request, context);
            if (reply.kind === "stream") yield* reply.messages;
          };
  }
  return guarded as ServiceImpl<S>;
}

function replyOf(
  method: DescMethod,
  handler: ((request: unknown, context: HandlerContext) => unknown) | undefined,
): Next {
  if (method.methodKind !== "unary" && method.methodKind !== "server_streaming") {
    throw new Error(`${method.parent.typeName}.${method.name}: ${method.methodKind} methods are not supported`);
  }
  if (handler === undefined) {
    return () => Promise.reject(new ConnectError(`${method.parent.typeName}.${method.name} is not implemented yet`, Code.Unimplemented));
  }
  if (method.methodKind === "unary") {
    return async (request, context) => ({ kind: "unary", message: await handler(request, context) });
  }
  return async (request, context) => ({
    kind: "stream",
    messages: handler(request, context) as AsyncIterable<unknown>,
  });
}

/** Wraps a stream so `onEnd` runs exactly once when it finishes, fails or is abandoned. */
export function observeStream(
  messages: AsyncIterable<unknown>,
  onEnd: (error: unknown) => void,
): AsyncIterable<unknown> {
  return (async function* () {
    let failure: unknown;
    try {
      yield* messages;
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      onEnd(failure);
    }
  })();
}
