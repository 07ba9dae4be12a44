import type {
  DescMethod,
  DescMethodServerStreaming,
  DescMethodUnary,
  DescService,
  MessageInitShape,
  MessageShape,
} from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { metadataFromRecord } from "./grpc-metadata.js";
import { deserializerOf, grpcPathOf, serializerOf } from "./grpc-wire.js";

export interface GrpcCallOptions {
  readonly metadata?: Readonly<Record<string, string>>;
  /** Relative deadline: the call fails with DEADLINE_EXCEEDED after this many milliseconds. */
  readonly deadlineMs?: number;
  /** Cancels the call (CANCELLED) when aborted. */
  readonly signal?: AbortSignal;
}

export interface GrpcClientOptions {
  /** Defaults to an insecure (plaintext) channel. */
  readonly credentials?: grpc.ChannelCredentials;
  /** Sent with every call; per-call metadata wins on conflicts. */
  readonly metadata?: Readonly<Record<string, string>>;
  readonly channelOptions?: grpc.ChannelOptions;
}

type GrpcMethod<M> =
  M extends DescMethodUnary<infer I, infer O>
    ? (request: MessageInitShape<I>, options?: GrpcCallOptions) => Promise<MessageShape<O>>
    : M extends DescMethodServerStreaming<infer I, infer O>
      ? (request: MessageInitShape<I>, options?: GrpcCallOptions) => AsyncIterable<MessageShape<O>>
      : never;

/** Failures reject (or throw from the iteration) with the grpc-js ServiceError: `code`, `details`, `metadata`. */
export type GrpcClient<S extends DescService> = {
  readonly [K in keyof S["method"]]: GrpcMethod<S["method"][K]>;
} & { close(): void };

/** A promise-based grpc-js client for a protobuf-es service (unary and server-streaming methods). */
export function createGrpcClient<S extends DescService>(
  service: S,
  address: string,
  options: GrpcClientOptions = {},
): GrpcClient<S> {
  const client = new grpc.Client(
    address,
    options.credentials ?? grpc.credentials.createInsecure(),
    options.channelOptions,
  );
  const callSettingsOf = (callOptions: GrpcCallOptions) => ({
    metadata: metadataFromRecord(options.metadata, callOptions.metadata),
    options: callOptions.deadlineMs === undefined ? {} : { deadline: Date.now() + callOptions.deadlineMs },
  });
  const methods: Record<string, unknown> = { close: () => client.close() };
  for (const method of service.methods) {
    methods[method.localName] =
      method.methodKind === "server_streaming"
        ? serverStreamingMethod(client, method, callSettingsOf)
        : unaryMethod(client, method, callSettingsOf);
  }
  return methods as GrpcClient<S>;
}

type CallSettings = (callOptions: GrpcCallOptions) => { metadata: grpc.Metadata; options: grpc.CallOptions };

function unaryMethod(client: grpc.Client, method: DescMethod, settingsOf: CallSettings) {
  return (request: unknown, callOptions: GrpcCallOptions = {}): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const { metadata, options } = settingsOf(callOptions);
      let stopListening = (): void => undefined;
      const call = client.makeUnaryRequest(
        grpcPathOf(method),
        serializerOf(method.input),
        deserializerOf(method.output),
        request,
        metadata,
        options,
        (error, response) => {
          stopListening();
          if (error) reject(error);
          else resolve(response);
        },
      );
      stopListening = cancelOnAbort(call, callOptions.signal);
    });
}

function serverStreamingMethod(client: grpc.Client, method: DescMethod, settingsOf: CallSettings) {
  return async function* (request: unknown, callOptions: GrpcCallOptions = {}): AsyncGenerator<unknown> {
    const { metadata, options } = settingsOf(callOptions);
    const call = client.makeServerStreamRequest(
      grpcPathOf(method),
      serializerOf(method.input),
      deserializerOf(method.output),
      request,
      metadata,
      options,
    );
    const stopListening = cancelOnAbort(call, callOptions.signal);
    try {
      yield* call;
    } finally {
      stopListening();
      // Destroying the stream (what an early `break` does) does not end the call on the server.
      call.cancel();
    }
  };
}

function cancelOnAbort(call: { cancel(): void }, signal: AbortSignal | undefined): () => void {
  if (signal === undefined) return () => undefined;
  const cancel = (): void => call.cancel();
  if (signal.aborted) cancel();
  signal.addEventListener("abort", cancel, { once: true });
  return () => signal.removeEventListener("abort", cancel);
}
