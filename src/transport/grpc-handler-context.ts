import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextValues } from "@connectrpc/connect";
import type { ContextValues, HandlerContext } from "@connectrpc/connect";
import type * as grpc from "@grpc/grpc-js";
import { grpcPathOf } from "./grpc-wire.js";
import { MetadataHeaders } from "./metadata-headers.js";
import { peerAddressKey, peerAddressOfGrpcPeer } from "./peer-address.js";

export type GrpcServerCall = grpc.ServerUnaryCall<Buffer, unknown> | grpc.ServerWritableStream<Buffer, unknown>;

/**
 * The Connect HandlerContext of a grpc-js call. Its signal aborts when the client cancels, when
 * the deadline passes (grpc-js then ends the call and reports it cancelled) and, as under
 * connect-node, when the call ends.
 *
 * Not connect's createHandlerContext: its three AbortControllers, their listeners and a deadline
 * timer per call cost about as much CPU as grpc-js itself spends on a call (measured with h2load),
 * while most calls (health checks, flag evaluations) never look at the signal. Here the signal
 * and the trailers are created only when a handler asks for them, and headers are views over
 * the call's Metadata (MetadataHeaders) rather than undici Headers.
 */
export class GrpcHandlerContext implements HandlerContext {
  readonly service: DescService;
  readonly protocolName = "grpc";
  readonly requestMethod = "POST";
  readonly url: string;
  readonly requestHeader: Headers;
  readonly responseHeader: Headers = new MetadataHeaders();
  readonly values: ContextValues;
  private readonly deadline: number | undefined;
  private trailer: Headers | undefined;
  private controller: AbortController | undefined;
  private abortReason: unknown;

  constructor(
    readonly method: DescMethod,
    call: GrpcServerCall,
  ) {
    this.service = method.parent;
    this.url = grpcPathOf(method);
    this.deadline = deadlineMsOf(call.getDeadline());
    this.requestHeader = new MetadataHeaders(call.metadata);
    this.values = createContextValues().set(peerAddressKey, peerAddressOfGrpcPeer(call.getPeer()));
    // grpc-js reports every call cancelled once its stream closes, completed ones too; end()
    // comes first for those, and the first reason wins.
    call.once("cancelled", () => this.cancelled());
  }

  /** An own function, not a method: handlers may call it detached, as connect's allows. */
  readonly timeoutMs = (): number | undefined =>
    this.deadline === undefined ? undefined : this.deadline - Date.now();

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.abortReason !== undefined) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  get responseTrailer(): Headers {
    return (this.trailer ??= new MetadataHeaders());
  }

  /** The trailers set by the handler, without creating them. */
  get responseTrailerIfAny(): Headers | undefined {
    return this.trailer;
  }

  /** Marks the call complete. */
  end(): void {
    this.abort(callCompleted);
  }

  private cancelled(): void {
    if (this.abortReason !== undefined) return;
    this.abort(
      this.deadline !== undefined && Date.now() >= this.deadline
        ? new ConnectError("the operation timed out", Code.DeadlineExceeded)
        : new ConnectError("the call was cancelled", Code.Canceled),
    );
  }

  private abort(reason: unknown): void {
    if (this.abortReason !== undefined) return;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }
}

const callCompleted = new ConnectError("the call has completed", Code.Canceled);

/** grpc-js reports "no deadline" as Infinity. */
function deadlineMsOf(deadline: grpc.Deadline): number | undefined {
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(at) ? at : undefined;
}
