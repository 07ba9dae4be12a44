import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus } from "../gen/grpc/health/v1/health_pb.js";
import { TEST_DIALECTS } from "./support/database.js";
import { startWarden, type TestWarden } from "./support/warden.js";

describe.each(TEST_DIALECTS)("health on %s", (dialect) => {
  let warden: TestWarden;
  beforeAll(async () => {
    warden = await startWarden(dialect);
  });
  afterAll(() => warden.stop());

  it("answers SERVING to a grpc-js Health/Check", async () => {
    const response = await warden.grpc(Health).check({ service: "" });
    expect(response.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
  });

  it("gives the same answer on /readyz and over the Connect protocol", async () => {
    const ready = await fetch(`${warden.httpUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "SERVING" });
    const viaConnect = await warden.connect(Health).check({ service: "" });
    expect(viaConnect.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
  });

  it("answers per service, for every registered service", async () => {
    for (const { service } of warden.server.app.services) {
      const response = await warden.grpc(Health).check({ service: service.typeName });
      expect({ service: service.typeName, status: response.status }).toEqual({
        service: service.typeName,
        status: HealthCheckResponse_ServingStatus.SERVING,
      });
    }
  });

  it("answers NOT_FOUND for an unknown service name", async () => {
    await expect(warden.grpc(Health).check({ service: "no.such.Service" })).rejects.toMatchObject({ code: 5 });
  });

  it("reports NOT_SERVING on /readyz once it is shutting down", async () => {
    const other = await startWarden(dialect);
    other.server.app.health.setAll(HealthCheckResponse_ServingStatus.NOT_SERVING);
    const ready = await fetch(`${other.httpUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: "NOT_SERVING" });
    await other.stop();
  });

  it("serves liveness and Prometheus metrics counting handled calls", async () => {
    expect((await fetch(`${warden.httpUrl}/healthz`)).status).toBe(200);
    await warden.grpc(Health).check({ service: "" });
    const metrics = await (await fetch(`${warden.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /grpc_server_handled_total\{grpc_type="unary",grpc_service="grpc.health.v1.Health",grpc_method="Check",grpc_code="OK"\} [1-9]/,
    );
    expect(metrics).toContain("grpc_server_handling_seconds_bucket");
  });
});
