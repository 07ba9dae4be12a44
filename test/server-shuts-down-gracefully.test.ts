import * as grpc from "@grpc/grpc-js";
import { expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus } from "../gen/grpc/health/v1/health_pb.js";
import { createGrpcClient } from "../src/transport/index.js";
import { startWarden } from "./support/warden.js";

it("reports NOT_SERVING, ends streams cleanly, then refuses new calls", async () => {
  const warden = await startWarden("sqlite");
  const client = createGrpcClient(Health, warden.grpcAddress);
  const seen: HealthCheckResponse_ServingStatus[] = [];
  const watching = (async () => {
    for await (const response of client.watch({ service: "" })) seen.push(response.status);
  })();
  while (seen.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));

  const started = Date.now();
  await warden.stop();
  expect(Date.now() - started).toBeLessThan(warden.config.shutdownGraceMs + 1000);

  await expect(watching).resolves.toBeUndefined(); // the stream ended with OK, not an error
  expect(seen[0]).toBe(HealthCheckResponse_ServingStatus.SERVING);
  await expect(client.check({ service: "" }, { deadlineMs: 1000 })).rejects.toMatchObject({
    code: expect.toSatisfy((code: number) => code === grpc.status.UNAVAILABLE || code === grpc.status.DEADLINE_EXCEEDED),
  });
  client.close();
});
