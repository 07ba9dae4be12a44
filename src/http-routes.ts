import type { Registry } from "prom-client";
import { overallHealth, ServingStatus, type HealthService, type HttpRoute } from "./transport/index.js";

export interface HttpRoutesDependencies {
  readonly health: HealthService;
  readonly metrics: Registry;
  /** The public token-verification keys (RFC 7517). */
  readonly jwksJson: () => string;
}

/** Plain HTTP endpoints beside the RPCs: JWKS, liveness, readiness (the gRPC health answer) and Prometheus. */
export function createHttpRoutes({ health, metrics, jwksJson }: HttpRoutesDependencies): Record<string, HttpRoute> {
  return {
    "/.well-known/jwks.json": (_request, response) => {
      response.writeHead(200, { "content-type": "application/jwk-set+json", "cache-control": "public, max-age=300" });
      response.end(jwksJson());
    },
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
