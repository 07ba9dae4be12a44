import { afterAll, beforeAll, expect, it } from "vitest";
import { checkHealth, createHealthService, ServingStatus } from "../src/transport/index.js";
import { startHealthListener, type HealthListener } from "./support/health-listener.js";

const health = createHealthService();
let server: HealthListener;
beforeAll(async () => {
  server = await startHealthListener(health.impl);
});
afterAll(() => server?.stop());

it("passes while the server reports SERVING", async () => {
  expect(await checkHealth(server.address, 2_000)).toBe(true);
});

it("fails while the server reports NOT_SERVING", async () => {
  health.setStatus("", ServingStatus.NOT_SERVING);
  expect(await checkHealth(server.address, 2_000)).toBe(false);
  health.setStatus("", ServingStatus.SERVING);
});

it("fails within its timeout when nothing listens", async () => {
  const started = Date.now();
  expect(await checkHealth("127.0.0.1:1", 500)).toBe(false);
  expect(Date.now() - started).toBeLessThan(2_000);
});
