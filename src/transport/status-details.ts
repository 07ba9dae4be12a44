import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { anyIs, anyPack, anyUnpack } from "@bufbuild/protobuf/wkt";
import type { ConnectError } from "@connectrpc/connect";
import type { ServiceError } from "@grpc/grpc-js";
import { BadRequestSchema, ErrorInfoSchema, RetryInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import type { BadRequest, ErrorInfo, RetryInfo } from "../../gen/google/rpc/error_details_pb.js";
import { StatusSchema } from "../../gen/google/rpc/status_pb.js";
import type { Status } from "../../gen/google/rpc/status_pb.js";

/** The trailer carrying a serialized google.rpc.Status with the error's details (STACK pitfall 5). */
export const statusDetailsKey = "grpc-status-details-bin";

/**
 * The google.rpc.Status of a ConnectError. Its details are either outgoing (`{desc, value}`, thrown
 * by our code) or incoming (`{type, value}` bytes, e.g. an error relayed from another service).
 */
export function encodeStatusDetails(error: ConnectError): Buffer {
  const status = create(StatusSchema, {
    code: error.code,
    message: error.rawMessage,
    details: error.details.map((detail) =>
      "desc" in detail
        ? anyPack(detail.desc, create(detail.desc, detail.value))
        : { typeUrl: `type.googleapis.com/${detail.type}`, value: detail.value },
    ),
  });
  return Buffer.from(toBinary(StatusSchema, status));
}

/** What a client can learn from a failed gRPC call, following Warden's error contract (DESIGN.md §1). */
export interface ErrorDetails {
  readonly status: Status;
  readonly errorInfo?: ErrorInfo;
  readonly badRequest?: BadRequest;
  readonly retryInfo?: RetryInfo;
}

/** Reads the google.rpc.Status trailer of a grpc-js error; without one, the status is code and message. */
export function readErrorDetails(error: ServiceError): ErrorDetails {
  const status = decodeStatus(error) ?? create(StatusSchema, { code: error.code, message: error.details });
  const errorInfo = firstDetail(status, ErrorInfoSchema);
  const badRequest = firstDetail(status, BadRequestSchema);
  const retryInfo = firstDetail(status, RetryInfoSchema);
  return {
    status,
    ...(errorInfo && { errorInfo }),
    ...(badRequest && { badRequest }),
    ...(retryInfo && { retryInfo }),
  };
}

function decodeStatus(error: ServiceError): Status | undefined {
  const [encoded] = error.metadata?.get(statusDetailsKey) ?? [];
  if (!Buffer.isBuffer(encoded)) return undefined;
  try {
    return fromBinary(StatusSchema, encoded);
  } catch {
    return undefined;
  }
}

function firstDetail<Desc extends DescMessage>(status: Status, schema: Desc): MessageShape<Desc> | undefined {
  const packed = status.details.find((detail) => anyIs(detail, schema));
  return packed && anyUnpack(packed, schema);
}
