import type { ServiceError } from "@grpc/grpc-js";
import { readErrorDetails } from "../../src/transport/index.js";

/** What a test asserts on a failed gRPC call: the code, the ErrorInfo and the BadRequest violations. */
export interface GrpcFailure {
  readonly code: number;
  readonly reason: string | undefined;
  readonly metadata: Readonly<Record<string, string>>;
  /** `field: reason` of each BadRequest field violation. */
  readonly violations: string[];
  readonly message: string;
}

/** Awaits a call that must fail and describes the failure; fails the test when the call succeeds. */
export async function grpcFailure(call: Promise<unknown>): Promise<GrpcFailure> {
  let error: ServiceError;
  try {
    await call;
  } catch (caught) {
    error = caught as ServiceError;
    const details = readErrorDetails(error);
    return {
      code: error.code,
      reason: details.errorInfo?.reason,
      metadata: details.errorInfo?.metadata ?? {},
      violations: details.badRequest?.fieldViolations.map((violation) => `${violation.field}: ${violation.reason}`) ?? [],
      message: error.details,
    };
  }
  throw new Error("the call succeeded, but it should have failed");
}
