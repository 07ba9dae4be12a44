import type { DescMethod } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { grpcPathOf } from "../../src/transport/index.js";

/**
 * How a call with an empty request was first answered:
 * - `status`: it ended (for a unary call, its only answer), OK or with an error;
 * - `message`: a stream delivered a message, so it was admitted (a guard never sends one);
 * - `open`: a stream was still open, with no status, once it had stayed quiet for a while.
 */
export type FirstAnswer =
  | { readonly kind: "status"; readonly code: grpc.status; readonly details: string }
  | { readonly kind: "message" }
  | { readonly kind: "open" };

export interface FirstAnswerOptions {
  readonly metadata?: Readonly<Record<string, string>>;
  /**
   * How long a stream that sent nothing yet may stay quiet before it counts as `open`. A refusal
   * is immediate, so this only bounds admitted streams with nothing to say (default 2 s).
   */
  readonly quietMs?: number;
  /**
   * After the response headers, how long to wait for a status or message before `open`. Warden
   * sends headers (x-request-id) right before a refusal too, so headers alone decide nothing, but
   * a refusal's status follows them at once (default 100 ms).
   */
  readonly afterHeadersMs?: number;
  /** Deadline of a unary call (default 10 s). */
  readonly unaryDeadlineMs?: number;
}

/**
 * Calls `method` with an empty request and resolves with its first telling answer; a stream is
 * cancelled as soon as that is known, instead of being left open until a deadline ends it.
 */
export function firstAnswer(client: grpc.Client, method: DescMethod, options: FirstAnswerOptions = {}): Promise<FirstAnswer> {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(options.metadata ?? {})) metadata.set(key, value);
  const serialize = (): Buffer => Buffer.alloc(0);
  const deserialize = (bytes: Buffer): Buffer => bytes;
  return new Promise((resolve) => {
    if (method.methodKind === "unary") {
      client.makeUnaryRequest(
        grpcPathOf(method),
        serialize,
        deserialize,
        {},
        metadata,
        { deadline: Date.now() + (options.unaryDeadlineMs ?? 10_000) },
        (error) =>
          resolve(error ? { kind: "status", code: error.code, details: error.details } : { kind: "status", code: grpc.status.OK, details: "" }),
      );
      return;
    }
    const call = client.makeServerStreamRequest(grpcPathOf(method), serialize, deserialize, {}, metadata, {});
    let settled = false;
    const settle = (answer: FirstAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(answer);
      // Ends the call on the server too; the CANCELLED status that follows is ignored.
      call.cancel();
    };
    let timer = setTimeout(() => settle({ kind: "open" }), options.quietMs ?? 2_000);
    call.on("metadata", () => {
      clearTimeout(timer);
      timer = setTimeout(() => settle({ kind: "open" }), options.afterHeadersMs ?? 100);
    });
    call.on("data", () => settle({ kind: "message" }));
    call.on("error", () => undefined);
    call.on("status", (status: grpc.StatusObject) => settle({ kind: "status", code: status.code, details: status.details }));
  });
}
