import * as http2 from "node:http2";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import type { ServiceError } from "@grpc/grpc-js";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Health } from "../gen/grpc/health/v1/health_pb.js";
import { startHealthListener, type HealthListener } from "./support/health-listener.js";

interface Observed {
  readonly timeoutMs: number | undefined;
  readonly abortReason: unknown;
}

let handlerStarted: () => void = () => undefined;
let handlerObserved: (observed: Observed) => void = () => undefined;

/** A handler that waits until its call is aborted, as one waiting on a slow dependency would. */
const impl: Partial<ServiceImpl<typeof Health>> = {
  async check(_request, context) {
    const timeoutMs = context.timeoutMs();
    handlerStarted();
    await new Promise((resolve) => context.signal.addEventListener("abort", resolve, { once: true }));
    handlerObserved({ timeoutMs, abortReason: context.signal.reason });
    return { status: 1 };
  },
};

let server: HealthListener;
beforeAll(async () => {
  server = await startHealthListener(impl);
});
afterAll(() => server?.stop());

function nextHandlerRun(): { started: Promise<void>; observed: Promise<Observed> } {
  const started = new Promise<void>((resolve) => (handlerStarted = resolve));
  const observed = new Promise<Observed>((resolve) => (handlerObserved = resolve));
  return { started, observed };
}

it("aborts the handler's signal when the client cancels", async () => {
  const { started, observed } = nextHandlerRun();
  const controller = new AbortController();
  const call = server.client.check({}, { signal: controller.signal }).then(
    () => undefined,
    (error: unknown) => error as ServiceError,
  );
  await started;
  controller.abort();

  expect((await call)?.code).toBe(Code.Canceled);
  const { abortReason, timeoutMs } = await observed;
  expect(timeoutMs).toBeUndefined();
  expect(ConnectError.from(abortReason).code).toBe(Code.Canceled);
});

it("gives the handler the client's deadline and aborts it when the deadline passes", async () => {
  const { observed } = nextHandlerRun();
  const call = server.client.check({}, { deadlineMs: 300 }).then(
    () => undefined,
    (error: unknown) => error as ServiceError,
  );

  expect((await call)?.code).toBe(Code.DeadlineExceeded);
  const { abortReason, timeoutMs } = await observed;
  expect(timeoutMs).toBeGreaterThan(200);
  expect(timeoutMs).toBeLessThanOrEqual(300);
  // The client's own deadline timer usually cancels the call a moment before the server's fires.
  expect([Code.Canceled, Code.DeadlineExceeded]).toContain(ConnectError.from(abortReason).code);
});

it("tells the handler the deadline passed when the server's deadline ends the call", async () => {
  const { observed } = nextHandlerRun();
  // A bare HTTP/2 client with no deadline timer of its own: only the server enforces grpc-timeout.
  const session = http2.connect(`http://${server.address}`);
  const stream = session.request({
    ":method": "POST",
    ":path": "/grpc.health.v1.Health/Check",
    "content-type": "application/grpc",
    te: "trailers",
    "grpc-timeout": "100m",
  });
  stream.end(Buffer.alloc(5)); // one empty, uncompressed message
  const status = await new Promise<unknown>((resolve) => {
    stream.on("trailers", (trailers) => resolve(trailers["grpc-status"]));
    stream.on("response", (headers) => headers["grpc-status"] !== undefined && resolve(headers["grpc-status"]));
    stream.resume();
  });
  session.close();

  expect(status).toBe(String(Code.DeadlineExceeded));
  expect(ConnectError.from((await observed).abortReason).code).toBe(Code.DeadlineExceeded);
});
