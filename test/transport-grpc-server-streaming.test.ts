import { setTimeout as sleep } from "node:timers/promises";
import { create } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import type { ServiceError } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorInfoSchema } from "../gen/google/rpc/error_details_pb.js";
import {
  type Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
  HealthCheckResponseSchema,
} from "../gen/grpc/health/v1/health_pb.js";
import type { HealthCheckResponse } from "../gen/grpc/health/v1/health_pb.js";
import { readErrorDetails } from "../src/transport/index.js";
import { startHealthListener, type HealthListener } from "./support/health-listener.js";

interface StreamEnd {
  readonly produced: number;
  readonly aborted: boolean;
}

/** Resolvers for how the next Watch stream of the fixture ends, by the request's service name. */
const streamEnded = new Map<string, (end: StreamEnd) => void>();
const endOf = (name: string): Promise<StreamEnd> => new Promise((resolve) => streamEnded.set(name, resolve));

const impl: Partial<ServiceImpl<typeof Health>> = {
  async *watch(request, context) {
    let produced = 0;
    try {
      switch (request.service) {
        case "three":
          for (; produced < 3; produced++) yield { status: ServingStatus.SERVING };
          return;
        case "fails-after-one":
          produced++;
          yield { status: ServingStatus.SERVING };
          throw new ConnectError("backend lost", Code.Unavailable, undefined, [
            { desc: ErrorInfoSchema, value: { reason: "BACKEND_LOST", domain: "warden" } },
          ]);
        case "fast-producer":
          // Large messages, produced as fast as the transport takes them.
          for (; produced < 5_000; produced++) yield bulkMessage();
          return;
        default:
          for (;;) {
            produced++;
            yield { status: ServingStatus.SERVING };
            await sleep(5, undefined, { signal: context.signal }).catch(() => undefined);
          }
      }
    } finally {
      streamEnded.get(request.service)?.({ produced, aborted: context.signal.aborted });
    }
  },
};
/** A 16 KiB message: the payload rides as an unknown field. */
function bulkMessage(): HealthCheckResponse {
  const message = create(HealthCheckResponseSchema, { status: ServingStatus.SERVING });
  const payload = new BinaryWriter().bytes(new Uint8Array(16 * 1024)).finish();
  message.$unknown = [{ no: 99, wireType: WireType.LengthDelimited, data: payload }];
  return message;
}

let server: HealthListener;
beforeAll(async () => {
  server = await startHealthListener(impl);
});
afterAll(() => server?.stop());

async function collect(stream: AsyncIterable<HealthCheckResponse>): Promise<HealthCheckResponse[]> {
  const messages: HealthCheckResponse[] = [];
  for await (const message of stream) messages.push(message);
  return messages;
}

describe("server streaming over grpc-js", () => {
  it("delivers every message, then ends with OK", async () => {
    const messages = await collect(server.client.watch({ service: "three" }));
    expect(messages.map((message) => message.status)).toEqual([1, 1, 1]);
  });

  it("delivers the messages sent before a failure, then the mapped error with its details", async () => {
    const received: HealthCheckResponse[] = [];
    const failure = await (async () => {
      for await (const message of server.client.watch({ service: "fails-after-one" })) received.push(message);
    })().then(
      () => undefined,
      (error: unknown) => error as ServiceError,
    );
    expect(received).toHaveLength(1);
    expect(failure?.code).toBe(Code.Unavailable);
    expect(failure?.details).toBe("backend lost");
    expect(failure && readErrorDetails(failure).errorInfo?.reason).toBe("BACKEND_LOST");
  });

  it("stops the handler's iterator when the client cancels", async () => {
    const ended = endOf("endless");
    let received = 0;
    for await (const _ of server.client.watch({ service: "endless" })) {
      if (++received === 3) break;
    }
    const { produced, aborted } = await ended;
    expect(aborted).toBe(true);
    expect(produced).toBeLessThan(50);
  });

  it("stops the handler's iterator when the deadline passes", async () => {
    const ended = endOf("endless");
    const failure = await collect(server.client.watch({ service: "endless" }, { deadlineMs: 100 })).then(
      () => undefined,
      (error: unknown) => error as ServiceError,
    );
    expect(failure?.code).toBe(Code.DeadlineExceeded);
    expect((await ended).aborted).toBe(true);
  });

  it("holds a fast producer back while the client does not read", async () => {
    const ended = endOf("fast-producer");
    const controller = new AbortController();
    const iterator = server.client.watch({ service: "fast-producer" }, { signal: controller.signal })[Symbol.asyncIterator]();
    await iterator.next();
    await sleep(300);
    controller.abort();
    await iterator.next().catch(() => undefined);
    // 5,000 messages of 16 KiB would be 80 MiB; flow control keeps the producer a few MiB ahead at most.
    expect((await ended).produced).toBeLessThan(1_000);
  });
});
