import type { Registry } from "prom-client";
import { overallHealth, ServingStatus, type HealthService, type HttpRoute } from "./transport/index.js";

export interface HttpRoutesDependencies {
  readonly health: HealthService;
  readonly metrics: Registry;
}

/** Plain HTTP endpoints beside the RPCs: liveness, readiness (the gRPC health answer) and Prometheus. */
export function createHttpRoutes({ health, metrics }: HttpRoutesDependencies): Record<string, HttpRoute> {
  return {
    "/healthz": (_request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end('{"status":"ALIVE"}');
    },
    "/readyz": (_request, response) => {
      const status = health.statusOf(overallHealth) ?? ServingStatus.UNKNOWN;
      response.writeHead(status === ServingStatus.SERVING ? 200 : 503, { "content-type": "application/json" });
      response.end(JSON.stringify({ status: ServingStatus[status] }));
    },
    "/metrics": async (_request, response) => {
      const body = await metrics.metrics();
      response.writeHead(200, { "content-type": metrics.contentType });
      response.end(body);
    },
  };
}
