import { Code, ConnectError } from "@connectrpc/connect";
import type { ServerErrorResponse } from "@grpc/grpc-js";
import { metadataFromHeaders } from "./grpc-metadata.js";
import { encodeStatusDetails, statusDetailsKey } from "./status-details.js";

/**
 * The gRPC status for an error thrown by a guarded handler. Connect's Code numbers are gRPC's.
 * Anything but a ConnectError is a bug (the error guard maps everything first), so its message,
 * which may hold internals, is not sent.
 */
export function grpcStatusOf(thrown: unknown, trailers: Headers | undefined): ServerErrorResponse {
  const error = thrown instanceof ConnectError ? thrown : new ConnectError("internal error", Code.Internal);
  const metadata = metadataFromHeaders(trailers ?? new Headers(), error.metadata);
  if (error.details.length > 0) metadata.set(statusDetailsKey, encodeStatusDetails(error));
  return {
    name: "ConnectError",
    message: error.rawMessage,
    code: Number(error.code),
    details: error.rawMessage,
    metadata,
  };
}
