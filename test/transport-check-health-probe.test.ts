import { afterAll, beforeAll, expect, it } from "vitest";
import { Health } from "../gen/grpc/health/v1/health_pb.js";
import { applyGuards } from "../src/guards/guard.js";
import { checkHealth, createHealthService, ServingStatus, startGrpcListener } from "../src/transport/index.js";
import type { GrpcListener, HealthService } from "../src/transport/index.js";

let health: HealthService;
let listener: GrpcListener;
beforeAll(async () => {
  health = createHealthService();
  listener = await startGrpcListener({
    host: "127.0.0.1",
    port: 0,
    services: [{ service: Health, impl: applyGuards(Health, health.impl, []) }],
    maxMessageBytes: 1 << 20,
    reflection: false,
  });
});
afterAll(async () => {
  await listener.shutdown(1000);
});

it("passes while the server reports SERVING", async () => {
  expect(await checkHealth(`127.0.0.1:${listener.port}`, 2_000)).toBe(true);
});

it("fails while the server reports NOT_SERVING", async () => {
  health.setStatus("", ServingStatus.NOT_SERVING);
  expect(await checkHealth(`127.0.0.1:${listener.port}`, 2_000)).toBe(false);
  health.setStatus("", ServingStatus.SERVING);
});

it("fails within its timeout when nothing listens", async () => {
  const started = Date.now();
  expect(await checkHealth("127.0.0.1:1", 500)).toBe(false);
  expect(Date.now() - started).toBeLessThan(2_000);
});
