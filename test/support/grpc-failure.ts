import type { ServiceError } from "@grpc/grpc-js";
import { readErrorDetails, type ErrorDetails } from "../../src/transport/index.js";

/** What a test asserts on a failed gRPC call: the code, the ErrorInfo and the other status details. */
export interface GrpcFailure {
  /** The gRPC status code (grpc-js numbering, which is the canonical one). */
  readonly code: number;
  /** google.rpc.ErrorInfo reason, e.g. "INVALID_CREDENTIALS". */
  readonly reason: string | undefined;
  /** google.rpc.ErrorInfo metadata; {} without an ErrorInfo. */
  readonly metadata: Readonly<Record<string, string>>;
  /** `field: reason` of each BadRequest field violation. */
  readonly violations: string[];
  readonly message: string;
  readonly details: ErrorDetails;
}

/** Awaits a call that must fail and describes the failure; fails the test when the call succeeds. */
export async function grpcFailure(call: Promise<unknown>): Promise<GrpcFailure> {
  try {
    await call;
  } catch (caught) {
    const error = caught as ServiceError;
    if (typeof error.code !== "number") throw caught;
    const details = readErrorDetails(error);
    return {
      code: error.code,
      reason: details.errorInfo?.reason,
      metadata: details.errorInfo?.metadata ?? {},
      violations: details.badRequest?.fieldViolations.map((violation) => `${violation.field}: ${violation.reason}`) ?? [],
      message: error.details,
      details,
    };
  }
  throw new Error("the call succeeded, but it should have failed");
}
