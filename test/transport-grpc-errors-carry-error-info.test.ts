import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import type { ServiceError } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorInfoSchema, RetryInfoSchema } from "../gen/google/rpc/error_details_pb.js";
import { Health } from "../gen/grpc/health/v1/health_pb.js";
import { applyGuards } from "../src/guards/guard.js";
import { createGrpcClient, readErrorDetails, startGrpcListener, startHttpListener } from "../src/transport/index.js";
import type { GrpcListener, HttpListener, RegisteredService } from "../src/transport/index.js";

const errorInfo = { reason: "UNAUTHENTICATED", domain: "warden" };

const services: RegisteredService[] = [
  {
    service: Health,
    impl: applyGuards(
      Health,
      {
        check(request) {
          switch (request.service) {
            case "relayed": {
              // An error as a Connect client hands it on: its details are still undecoded Any values.
              const relayed = new ConnectError("upstream refused", Code.FailedPrecondition);
              relayed.details = [
                { type: ErrorInfoSchema.typeName, value: toBinary(ErrorInfoSchema, create(ErrorInfoSchema, errorInfo)) },
              ];
              throw relayed;
            }
            case "bug":
              throw new Error("password=hunter2 in an unexpected failure");
            default:
              throw new ConnectError("missing credentials", Code.Unauthenticated, undefined, [
                { desc: ErrorInfoSchema, value: errorInfo },
                { desc: RetryInfoSchema, value: { retryDelay: { seconds: 3n } } },
              ]);
          }
        },
      },
      [],
    ),
  },
];

let grpcListener: GrpcListener;
let httpListener: HttpListener;
beforeAll(async () => {
  grpcListener = await startGrpcListener({ host: "127.0.0.1", port: 0, services, maxMessageBytes: 1 << 20, reflection: false });
  httpListener = await startHttpListener({ host: "127.0.0.1", port: 0, services, routes: {}, maxMessageBytes: 1 << 20 });
});
afterAll(async () => {
  await Promise.all([grpcListener.shutdown(1000), httpListener.shutdown(1000)]);
});

async function grpcFailureOf(service: string): Promise<ServiceError> {
  const client = createGrpcClient(Health, `127.0.0.1:${grpcListener.port}`);
  try {
    await client.check({ service });
  } catch (error) {
    return error as ServiceError;
  } finally {
    client.close();
  }
  throw new Error("the call succeeded");
}

describe("errors over the grpc-js listener", () => {
  it("carry code, message, ErrorInfo and RetryInfo", async () => {
    const error = await grpcFailureOf("");
    expect(error.code).toBe(Code.Unauthenticated);
    expect(error.details).toBe("missing credentials");
    const details = readErrorDetails(error);
    expect(details.status).toMatchObject({ code: Code.Unauthenticated, message: "missing credentials" });
    expect(details.errorInfo).toMatchObject(errorInfo);
    expect(details.retryInfo?.retryDelay?.seconds).toBe(3n);
  });

  it("carry details that arrived undecoded from another service", async () => {
    const details = readErrorDetails(await grpcFailureOf("relayed"));
    expect(details.status.code).toBe(Code.FailedPrecondition);
    expect(details.errorInfo).toMatchObject(errorInfo);
  });

  it("answer anything but a ConnectError as INTERNAL without its message", async () => {
    const error = await grpcFailureOf("bug");
    expect(error.code).toBe(Code.Internal);
    expect(error.details).toBe("internal error");
    expect(JSON.stringify(error.metadata.toJSON())).not.toContain("hunter2");
  });
});

describe("the same errors over the HTTP listener", () => {
  for (const [protocol, createTransport] of [
    ["Connect", createConnectTransport],
    ["gRPC-Web", createGrpcWebTransport],
  ] as const) {
    it(`reach a ${protocol} client with their ErrorInfo`, async () => {
      const transport = createTransport({ baseUrl: `http://127.0.0.1:${httpListener.port}`, httpVersion: "1.1" });
      const error = await createClient(Health, transport)
        .check({ service: "" })
        .then(
          () => undefined,
          (reason: unknown) => ConnectError.from(reason),
        );
      expect(error?.code).toBe(Code.Unauthenticated);
      expect(error?.rawMessage).toBe("missing credentials");
      expect(error?.findDetails(ErrorInfoSchema)[0]).toMatchObject(errorInfo);
    });
  }
});
