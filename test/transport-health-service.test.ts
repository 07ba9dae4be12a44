import { Code } from "@connectrpc/connect";
import type { ServiceError } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HealthCheckResponse } from "../gen/grpc/health/v1/health_pb.js";
import { createHealthService, ServingStatus } from "../src/transport/index.js";
import { startHealthListener, type HealthListener } from "./support/health-listener.js";

const health = createHealthService();
let server: HealthListener;
beforeAll(async () => {
  server = await startHealthListener(health.impl);
});
afterAll(() => server?.stop());

/** Reads a stream message by message, so a test can act between messages. */
function reader(stream: AsyncIterable<HealthCheckResponse>) {
  const iterator = stream[Symbol.asyncIterator]();
  return {
    next: async () => (await iterator.next()).value?.status,
    rest: async () => {
      const statuses: ServingStatus[] = [];
      for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) {
        statuses.push(next.value.status);
      }
      return statuses;
    },
    stop: () => iterator.return?.(),
  };
}

describe("Check", () => {
  it("answers the overall status for the empty service name, SERVING from the start", async () => {
    expect(await server.client.check({ service: "" })).toMatchObject({ status: ServingStatus.SERVING });
  });

  it("answers the status set for a service", async () => {
    health.setStatus("warden.settings.v1.SettingsService", ServingStatus.NOT_SERVING);
    const reply = await server.client.check({ service: "warden.settings.v1.SettingsService" });
    expect(reply.status).toBe(ServingStatus.NOT_SERVING);
    expect(health.statusOf("warden.settings.v1.SettingsService")).toBe(ServingStatus.NOT_SERVING);
  });

  it("answers NOT_FOUND for an unknown service", async () => {
    const error = await server.client.check({ service: "no.such.Service" }).then(
      () => undefined,
      (reason: unknown) => reason as ServiceError,
    );
    expect(error?.code).toBe(Code.NotFound);
  });
});

describe("Watch", () => {
  it("sends the current status, then every change", async () => {
    health.setStatus("watched", ServingStatus.SERVING);
    const watch = reader(server.client.watch({ service: "watched" }));
    expect(await watch.next()).toBe(ServingStatus.SERVING);
    health.setStatus("watched", ServingStatus.SERVING); // no change, no message
    health.setStatus("watched", ServingStatus.NOT_SERVING);
    expect(await watch.next()).toBe(ServingStatus.NOT_SERVING);
    await watch.stop();
  });

  it("reports SERVICE_UNKNOWN for an unknown service and keeps watching", async () => {
    const watch = reader(server.client.watch({ service: "later" }));
    expect(await watch.next()).toBe(ServingStatus.SERVICE_UNKNOWN);
    health.setStatus("later", ServingStatus.SERVING);
    expect(await watch.next()).toBe(ServingStatus.SERVING);
    await watch.stop();
  });
});

describe("List", () => {
  it("returns every known status", async () => {
    const { statuses } = await server.client.list({});
    expect(statuses[""]?.status).toBe(ServingStatus.SERVING);
    expect(statuses["watched"]?.status).toBe(ServingStatus.NOT_SERVING);
  });
});

describe("at shutdown", () => {
  it("setAll turns every service NOT_SERVING and close ends the watches with OK", async () => {
    const watch = reader(server.client.watch({ service: "" }));
    expect(await watch.next()).toBe(ServingStatus.SERVING);

    health.setAll(ServingStatus.NOT_SERVING);
    health.close();

    expect(await watch.rest()).toEqual([ServingStatus.NOT_SERVING]);
    expect((await server.client.check({ service: "" })).status).toBe(ServingStatus.NOT_SERVING);
    expect((await server.client.check({ service: "later" })).status).toBe(ServingStatus.NOT_SERVING);
  });
});
