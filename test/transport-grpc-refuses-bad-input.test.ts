import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Health } from "../gen/grpc/health/v1/health_pb.js";
import { applyGuards } from "../src/guards/guard.js";
import { createGrpcClient, startGrpcListener, startHttpListener } from "../src/transport/index.js";
import type { GrpcListener, HttpListener, RegisteredService } from "../src/transport/index.js";

const maxMessageBytes = 1024;
let handlerCalls = 0;
const services: RegisteredService[] = [
  {
    service: Health,
    impl: applyGuards(
      Health,
      {
        check() {
          handlerCalls++;
          return { status: 1 };
        },
        async *watch() {
          handlerCalls++;
          yield { status: 1 };
        },
        list() {
          // A reply larger than the limit.
          const statuses = Object.fromEntries(
            Array.from({ length: 100 }, (_, index) => [`service-${index}`, { status: 1 }]),
          );
          return { statuses };
        },
      },
      [],
    ),
  },
];

let grpcListener: GrpcListener;
let httpListener: HttpListener;
beforeAll(async () => {
  grpcListener = await startGrpcListener({ host: "127.0.0.1", port: 0, services, maxMessageBytes, reflection: false });
  httpListener = await startHttpListener({ host: "127.0.0.1", port: 0, services, routes: {}, maxMessageBytes });
});
afterAll(async () => {
  await Promise.all([grpcListener.shutdown(1000), httpListener.shutdown(1000)]);
});

/** Sends raw bytes as the request message, as a broken or hostile client would. */
function sendRawBytes(path: string, bytes: Buffer, responseStream: boolean): Promise<grpc.StatusObject> {
  const client = new grpc.Client(`127.0.0.1:${grpcListener.port}`, grpc.credentials.createInsecure());
  const identity = (buffer: Buffer): Buffer => buffer;
  return new Promise((resolve) => {
    const call = responseStream
      ? client.makeServerStreamRequest(path, identity, identity, bytes, new grpc.Metadata())
      : client.makeUnaryRequest(path, identity, identity, bytes, new grpc.Metadata(), () => undefined);
    if (responseStream) call.on("data", () => undefined).on("error", () => undefined);
    call.on("status", (status: grpc.StatusObject) => {
      client.close();
      resolve(status);
    });
  });
}

// Field 1 with wire type 7, which does not exist.
const garbage = Buffer.from([0x0f, 0xff, 0xff]);

describe("malformed request bytes", () => {
  it("are INVALID_ARGUMENT, not INTERNAL, on a unary method", async () => {
    handlerCalls = 0;
    const status = await sendRawBytes("/grpc.health.v1.Health/Check", garbage, false);
    expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(status.details).toBe("malformed request message");
    expect(handlerCalls).toBe(0);
  });

  it("are INVALID_ARGUMENT on a server-streaming method", async () => {
    handlerCalls = 0;
    const status = await sendRawBytes("/grpc.health.v1.Health/Watch", garbage, true);
    expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(handlerCalls).toBe(0);
  });
});

describe("messages over the size limit", () => {
  it("are refused with RESOURCE_EXHAUSTED before reaching the handler (gRPC)", async () => {
    handlerCalls = 0;
    const status = await sendRawBytes("/grpc.health.v1.Health/Check", Buffer.alloc(maxMessageBytes + 1), false);
    expect(status.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(handlerCalls).toBe(0);
  });

  it("are refused with RESOURCE_EXHAUSTED before reaching the handler (Connect)", async () => {
    handlerCalls = 0;
    const transport = createConnectTransport({ baseUrl: `http://127.0.0.1:${httpListener.port}`, httpVersion: "1.1", useBinaryFormat: true });
    const error = await createClient(Health, transport)
      .check({ service: "a".repeat(2048) })
      .then(
        () => undefined,
        (reason: unknown) => ConnectError.from(reason),
      );
    expect(error?.code).toBe(Code.ResourceExhausted);
    expect(handlerCalls).toBe(0);
  });

  it("are not sent: an oversized reply fails with RESOURCE_EXHAUSTED", async () => {
    const client = createGrpcClient(Health, `127.0.0.1:${grpcListener.port}`);
    const error = await client.list({}).then(
      () => undefined,
      (reason: unknown) => reason as grpc.ServiceError,
    );
    client.close();
    expect(error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });
});
