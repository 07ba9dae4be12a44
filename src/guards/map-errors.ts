import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Logger } from "pino";
import {
  BadRequestSchema,
  ErrorInfoSchema,
  RetryInfoSchema,
} from "../../gen/google/rpc/error_details_pb.js";
import { DomainError, type DomainErrorKind } from "../errors/index.js";
import { codeName } from "./call-outcome.js";
import { requestIdKey } from "./context-keys.js";
import type { Guard } from "./guard.js";

export const ERROR_DOMAIN = "warden";

type OutgoingDetail = ConstructorParameters<typeof ConnectError>[3] extends (infer D)[] | undefined ? D : never;

const CODE_OF: Record<DomainErrorKind, Code> = {
  "invalid-argument": Code.InvalidArgument,
  "not-found": Code.NotFound,
  "already-exists": Code.AlreadyExists,
  "version-conflict": Code.Aborted,
  "failed-precondition": Code.FailedPrecondition,
  "permission-denied": Code.PermissionDenied,
  unauthenticated: Code.Unauthenticated,
  "resource-exhausted": Code.ResourceExhausted,
  unavailable: Code.Unavailable,
};

/**
 * Every error leaves the server as a ConnectError carrying a
 * google.rpc.ErrorInfo: domain errors get their code and details here, errors
 * that already are ConnectErrors get an ErrorInfo when they lack one, and
 * anything else is logged and answered INTERNAL without its message.
 */
export function createMapErrorsGuard(logger: Logger): Guard {
  return (next, method) => {
    const name = `${method.parent.typeName}/${method.name}`;
    const toConnectError = (error: unknown, requestId: string): ConnectError => {
      const mapped = mapError(error);
      if (mapped.code === Code.Internal && !(error instanceof ConnectError)) {
        logger.error({ err: error, requestId, method: name }, "unexpected error");
      }
      return mapped;
    };
    return async (request, context) => {
      try {
        const reply = await next(request, context);
        if (reply.kind === "unary") return reply;
        return { kind: "stream", messages: mapStreamErrors(reply.messages, (error) => toConnectError(error, context.values.get(requestIdKey))) };
      } catch (error) {
        throw toConnectError(error, context.values.get(requestIdKey));
      }
    };
  };
}

async function* mapStreamErrors(
  messages: AsyncIterable<unknown>,
  toConnectError: (error: unknown) => ConnectError,
): AsyncIterable<unknown> {
  try {
    yield* messages;
  } catch (error) {
    throw toConnectError(error);
  }
}

export function mapError(error: unknown): ConnectError {
  if (error instanceof DomainError) return fromDomainError(error);
  if (error instanceof ConnectError) return withErrorInfo(error);
  return new ConnectError("internal error", Code.Internal, undefined, [errorInfo("INTERNAL")]);
}

function fromDomainError(error: DomainError): ConnectError {
  const { metadata, fieldViolations, retryAfterMs } = error.details;
  const details: OutgoingDetail[] = [errorInfo(error.reason, metadata)];
  if (fieldViolations !== undefined && fieldViolations.length > 0) {
    details.push({
      desc: BadRequestSchema,
      value: create(BadRequestSchema, {
        fieldViolations: fieldViolations.map((v) => ({ field: v.field, description: v.description, reason: v.reason ?? "" })),
      }),
    });
  }
  if (retryAfterMs !== undefined) {
    const seconds = Math.floor(retryAfterMs / 1000);
    details.push({
      desc: RetryInfoSchema,
      value: create(RetryInfoSchema, {
        retryDelay: { seconds: BigInt(seconds), nanos: (retryAfterMs - seconds * 1000) * 1_000_000 },
      }),
    });
  }
  return new ConnectError(error.message, CODE_OF[error.kind], undefined, details);
}

function withErrorInfo(error: ConnectError): ConnectError {
  if (error.findDetails(ErrorInfoSchema).length === 0) {
    error.details.push(errorInfo(codeName(error.code)));
  }
  return error;
}

function errorInfo(reason: string, metadata: Readonly<Record<string, string>> = {}): OutgoingDetail {
  return { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason, domain: ERROR_DOMAIN, metadata }) };
}

