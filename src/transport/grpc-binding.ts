import { fromBinary } from "@bufbuild/protobuf";
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type * as grpc from "@grpc/grpc-js";
import { grpcStatusOf } from "./grpc-error-status.js";
import { GrpcHandlerContext } from "./grpc-handler-context.js";
import type { GrpcServerCall } from "./grpc-handler-context.js";
import { metadataFromHeaders } from "./grpc-metadata.js";
import { deserializerOf, grpcPathOf, serializerOf } from "./grpc-wire.js";

type MethodHandler = (request: unknown, context: HandlerContext) => unknown;

/**
 * Serves a guarded protobuf-es ServiceImpl on a grpc-js server. Each call gets a Connect
 * HandlerContext (GrpcHandlerContext), so handlers and guards behave as under connect-node.
 *
 * Requests are registered with an identity deserializer and decoded here: a decoding failure
 * inside grpc-js would answer INTERNAL, and bad input must be INVALID_ARGUMENT.
 */
export function addGuardedService<S extends DescService>(
  server: grpc.Server,
  service: S,
  impl: ServiceImpl<S>,
): void {
  const handlers = impl as unknown as Record<string, MethodHandler>;
  const definition: Record<string, grpc.MethodDefinition<Buffer, unknown>> = {};
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const method of service.methods) {
    const handler = handlers[method.localName];
    if (handler === undefined) throw new Error(`${service.typeName}.${method.name} has no handler`);
    definition[method.localName] = {
      path: grpcPathOf(method),
      requestStream: false,
      responseStream: method.methodKind === "server_streaming",
      requestSerialize: (bytes: Buffer) => bytes,
      requestDeserialize: (bytes: Buffer) => bytes,
      responseSerialize: serializerOf(method.output),
      responseDeserialize: deserializerOf(method.output),
    };
    implementation[method.localName] = callHandlerOf(method, handler.bind(impl));
  }
  server.addService(definition, implementation);
}

function callHandlerOf(method: DescMethod, handler: MethodHandler): grpc.UntypedHandleCall {
  switch (method.methodKind) {
    // A failure of the binding itself must not become an unhandled rejection, which ends the process.
    case "unary":
      return (call: grpc.ServerUnaryCall<Buffer, unknown>, respond: grpc.sendUnaryData<unknown>) => {
        serveUnary(method, handler, call, respond).catch((error: unknown) => respond(grpcStatusOf(error, undefined)));
      };
    case "server_streaming":
      return (call: grpc.ServerWritableStream<Buffer, unknown>) => {
        serveServerStream(method, handler, call).catch((error: unknown) =>
          call.emit("error", grpcStatusOf(error, undefined)),
        );
      };
    default:
      throw new Error(`${method.parent.typeName}.${method.name}: ${method.methodKind} methods are not supported`);
  }
}

async function serveUnary(
  method: DescMethod,
  handler: MethodHandler,
  call: grpc.ServerUnaryCall<Buffer, unknown>,
  respond: grpc.sendUnaryData<unknown>,
): Promise<void> {
  const request = decodeRequest(method, call.request);
  if (request === undefined) {
    respond(grpcStatusOf(malformedRequest(), undefined));
    return;
  }
  const context = new GrpcHandlerContext(method, call);
  const sendResponseHeader = responseHeaderSender(call, context);
  try {
    const response = await handler(request, context);
    sendResponseHeader();
    respond(null, response, trailersOf(context));
  } catch (error) {
    sendResponseHeader();
    respond(grpcStatusOf(error, context.responseTrailerIfAny));
  } finally {
    context.end();
  }
}

async function serveServerStream(
  method: DescMethod,
  handler: MethodHandler,
  call: grpc.ServerWritableStream<Buffer, unknown>,
): Promise<void> {
  const request = decodeRequest(method, call.request);
  if (request === undefined) {
    call.emit("error", grpcStatusOf(malformedRequest(), undefined));
    return;
  }
  const context = new GrpcHandlerContext(method, call);
  const sendResponseHeader = responseHeaderSender(call, context);
  let responses: AsyncIterator<unknown> | undefined;
  // An async generator suspended in an await only sees return() once that await settles; the
  // aborted context signal is what wakes it, return() then runs its cleanup.
  const stopOnCancel = (): void => void responses?.return?.().catch(() => undefined);
  call.once("cancelled", stopOnCancel);
  try {
    responses = (handler(request, context) as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    for (;;) {
      const next = await responses.next();
      if (next.done === true || call.cancelled) break;
      sendResponseHeader();
      if (!call.write(next.value)) await drainedOrCancelled(call);
    }
    if (!call.cancelled) {
      sendResponseHeader();
      call.end(trailersOf(context));
    }
  } catch (error) {
    if (!call.cancelled) {
      sendResponseHeader();
      call.emit("error", grpcStatusOf(error, context.responseTrailerIfAny));
    }
  } finally {
    call.off("cancelled", stopOnCancel);
    context.end();
  }
}

function decodeRequest(method: DescMethod, bytes: Buffer): unknown {
  try {
    return fromBinary(method.input, bytes);
  } catch {
    return undefined;
  }
}

/** Raised before the guard chain runs, so, like grpc-js's own refusals, it carries no ErrorInfo. */
function malformedRequest(): ConnectError {
  return new ConnectError("malformed request message", Code.InvalidArgument);
}

function trailersOf(context: GrpcHandlerContext): grpc.Metadata | undefined {
  const trailer = context.responseTrailerIfAny;
  return trailer && metadataFromHeaders(trailer);
}

/**
 * Returns a function sending the handler's response headers, once, before the first message or
 * the status. Without any, grpc-js sends its default headers by itself.
 */
function responseHeaderSender(call: GrpcServerCall, context: HandlerContext): () => void {
  let sent = false;
  return () => {
    if (sent) return;
    sent = true;
    const header = metadataFromHeaders(context.responseHeader);
    if (Object.keys(header.toJSON()).length > 0) call.sendMetadata(header);
  };
}

/** grpc-js drops writes after a cancel without calling back, so 'drain' alone could wait forever. */
function drainedOrCancelled(call: grpc.ServerWritableStream<Buffer, unknown>): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      call.off("drain", done);
      call.off("cancelled", done);
      resolve();
    };
    call.on("drain", done);
    call.on("cancelled", done);
  });
}
