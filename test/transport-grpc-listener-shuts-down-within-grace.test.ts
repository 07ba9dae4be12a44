import { setTimeout as sleep } from "node:timers/promises";
import { Code } from "@connectrpc/connect";
import type { ServiceError } from "@grpc/grpc-js";
import { expect, it } from "vitest";
import { Health } from "../gen/grpc/health/v1/health_pb.js";
import { applyGuards } from "../src/guards/guard.js";
import { createGrpcClient, createHealthService, startGrpcListener } from "../src/transport/index.js";

async function startListener(checkDelayMs: number) {
  const health = createHealthService();
  const impl = applyGuards(
    Health,
    {
      ...health.impl,
      async check(request, context) {
        await sleep(checkDelayMs);
        return health.impl.check(request, context);
      },
    },
    [],
  );
  const listener = await startGrpcListener({
    host: "127.0.0.1",
    port: 0,
    services: [{ service: Health, impl }],
    maxMessageBytes: 1 << 20,
    reflection: false,
  });
  const client = createGrpcClient(Health, `127.0.0.1:${listener.port}`);
  return { listener, client };
}

it("lets in-flight calls finish and returns as soon as they have", async () => {
  const { listener, client } = await startListener(200);
  await client.list({}); // an idle connection stays open too
  const inFlight = client.check({});
  await sleep(50);

  const started = Date.now();
  await listener.shutdown(10_000);
  expect(Date.now() - started).toBeLessThan(2_000);
  expect((await inFlight).status).toBe(1);
  client.close();
});

it("cancels calls still running when the grace period ends, open streams included", async () => {
  const { listener, client } = await startListener(0);
  const watch = client.watch({ service: "" })[Symbol.asyncIterator]();
  await watch.next();

  const started = Date.now();
  await listener.shutdown(200);
  expect(Date.now() - started).toBeLessThan(1_000);
  const failure = await watch.next().then(
    () => undefined,
    (error: unknown) => error as ServiceError,
  );
  expect(failure?.code).toBe(Code.Canceled);
  client.close();
});
