import { createClient } from "@connectrpc/connect";
import type { HandlerContext } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Health } from "../gen/grpc/health/v1/health_pb.js";
import { applyGuards } from "../src/guards/guard.js";
import { peerAddressKey, startGrpcListener, startHttpListener } from "../src/transport/index.js";
import type { GrpcListener, HttpListener, RegisteredService } from "../src/transport/index.js";
import { deserializerOf, grpcPathOf, serializerOf } from "../src/transport/grpc-wire.js";

let seen: HandlerContext | undefined;
const services: RegisteredService[] = [
  {
    service: Health,
    impl: applyGuards(
      Health,
      {
        check(_request, context) {
          seen = context;
          context.responseHeader.set("x-request-id", context.requestHeader.get("x-request-id") ?? "none");
          context.responseTrailer.set("x-trailer", "done");
          context.responseTrailer.set("x-trace-bin", Buffer.from([0, 1, 2]).toString("base64"));
          return { status: 1 };
        },
      },
      [],
    ),
  },
];

// Dual-stack listeners, so IPv4 callers appear as ::ffff:127.0.0.1 at the socket.
let grpcListener: GrpcListener;
let httpListener: HttpListener;
beforeAll(async () => {
  grpcListener = await startGrpcListener({ host: "::", port: 0, services, maxMessageBytes: 1 << 20, reflection: false });
  httpListener = await startHttpListener({ host: "::", port: 0, services, routes: {}, maxMessageBytes: 1 << 20 });
});
afterAll(async () => {
  await Promise.all([grpcListener.shutdown(1000), httpListener.shutdown(1000)]);
});

interface RawResult {
  readonly header: grpc.Metadata;
  readonly status: grpc.StatusObject;
}

/** A bare grpc-js call, to see response headers and trailers as any gRPC client would. */
function rawCheck(metadata: grpc.Metadata, deadline: grpc.Deadline): Promise<RawResult> {
  const client = new grpc.Client(`127.0.0.1:${grpcListener.port}`, grpc.credentials.createInsecure());
  const method = Health.method.check;
  return new Promise((resolve) => {
    let header = new grpc.Metadata();
    const call = client.makeUnaryRequest(
      grpcPathOf(method),
      serializerOf(method.input),
      deserializerOf(method.output),
      {},
      metadata,
      { deadline },
      () => undefined,
    );
    call.on("metadata", (received: grpc.Metadata) => (header = received));
    call.on("status", (status: grpc.StatusObject) => {
      client.close();
      resolve({ header, status });
    });
  });
}

describe("a handler served by the grpc-js listener", () => {
  it("sees request metadata, deadline and peer address in a Connect HandlerContext", async () => {
    const metadata = new grpc.Metadata();
    metadata.set("x-request-id", "req-1");
    metadata.set("x-token-bin", Buffer.from("binary\u0000value"));
    await rawCheck(metadata, new Date(Date.now() + 5_000));

    expect(seen?.protocolName).toBe("grpc");
    expect(seen?.method.name).toBe("Check");
    expect(seen?.url).toBe("/grpc.health.v1.Health/Check");
    expect(seen?.requestHeader.get("x-request-id")).toBe("req-1");
    expect(Buffer.from(seen?.requestHeader.get("x-token-bin") ?? "", "base64").toString()).toBe("binary\u0000value");
    expect(seen?.timeoutMs()).toBeGreaterThan(3_000);
    expect(seen?.timeoutMs()).toBeLessThanOrEqual(5_000);
    expect(seen?.values.get(peerAddressKey)).toBe("127.0.0.1");
  });

  it("returns the response headers and trailers the handler set", async () => {
    const metadata = new grpc.Metadata();
    metadata.set("x-request-id", "req-2");
    const { header, status } = await rawCheck(metadata, new Date(Date.now() + 5_000));

    expect(status.code).toBe(grpc.status.OK);
    expect(header.get("x-request-id")).toEqual(["req-2"]);
    expect(status.metadata.get("x-trailer")).toEqual(["done"]);
    expect(status.metadata.get("x-trace-bin")).toEqual([Buffer.from([0, 1, 2])]);
  });

  it("sees no timeout when the client sets no deadline", async () => {
    await rawCheck(new grpc.Metadata(), Infinity);
    expect(seen?.timeoutMs()).toBeUndefined();
  });
});

describe("a handler served by the HTTP listener", () => {
  it("sees the caller's IPv4 address without the IPv6 mapping", async () => {
    const transport = createConnectTransport({ baseUrl: `http://127.0.0.1:${httpListener.port}`, httpVersion: "1.1" });
    await createClient(Health, transport).check({}, { headers: { "x-request-id": "req-3" } });

    expect(seen?.protocolName).toBe("connect");
    expect(seen?.requestHeader.get("x-request-id")).toBe("req-3");
    expect(seen?.values.get(peerAddressKey)).toBe("127.0.0.1");
  });
});
