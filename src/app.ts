import type { DescService } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import type { Registry } from "prom-client";
import { Service as FlagdEvaluationService } from "../gen/flagd/evaluation/v1/evaluation_pb.js";
import { FlagSyncService } from "../gen/flagd/sync/v1/sync_pb.js";
import { Health } from "../gen/grpc/health/v1/health_pb.js";
import { AuditService } from "../gen/warden/audit/v1/audit_service_pb.js";
import { AuthService } from "../gen/warden/auth/v1/auth_service_pb.js";
import { FlagService } from "../gen/warden/flags/v1/flag_service_pb.js";
import { SettingsService } from "../gen/warden/settings/v1/settings_service_pb.js";
import { applyGuards, createGuardChain, PUBLIC_RULE, type Guard } from "./guards/index.js";
import { createAuthModule, type AuthModuleDependencies } from "./auth/index.js";
import { createMetricsRegistry } from "./observability/index.js";
import { createHealthService, ServingStatus, type HealthService, type HttpRoute, type RegisteredService } from "./transport/index.js";
import { createHttpRoutes } from "./http-routes.js";

/** What the app is built from: the features need nothing more than auth does, yet. */
export type AppDependencies = AuthModuleDependencies;

export interface App {
  /** Every service, guarded, as both listeners serve them. */
  readonly services: readonly RegisteredService[];
  readonly health: HealthService;
  readonly metrics: Registry;
  readonly httpRoutes: Readonly<Record<string, HttpRoute>>;
  /** Flushes and stops what the features run in the background. */
  close(): Promise<void>;
}

// Standard health checking is public, like Login; its proto is not ours to annotate.
const FOREIGN_SERVICE_RULES = new Map([[Health.typeName, PUBLIC_RULE]]);

/**
 * Builds the services and the one guard chain they all run through. Used by
 * the server (src/server.ts) and by tests; it opens no port.
 */
export async function createApp(deps: AppDependencies): Promise<App> {
  const metrics = createMetricsRegistry();
  const health = createHealthService();
  const auth = await createAuthModule(deps);
  const guards = createGuardChain({
    logger: deps.logger,
    metrics,
    authenticate: auth.authenticate,
    foreignRules: FOREIGN_SERVICE_RULES,
    orm: deps.orm,
    notifier: deps.notifier,
    rateLimiters: deps.rateLimiters,
  });
  const services = [
    guarded(Health, health.impl, guards),
    // Empty implementations answer UNIMPLEMENTED (after the guards) until their issue lands.
    guarded(AuthService, auth.service, guards),
    guarded(SettingsService, {}, guards),
    guarded(FlagService, {}, guards),
    guarded(AuditService, {}, guards),
    guarded(FlagdEvaluationService, {}, guards),
    guarded(FlagSyncService, {}, guards),
  ];
  // Per-service health, as Kubernetes gRPC probes and grpc_health_probe ask for it.
  for (const { service } of services) health.setStatus(service.typeName, ServingStatus.SERVING);
  return {
    services,
    health,
    metrics,
    httpRoutes: createHttpRoutes({ health, metrics, jwksJson: auth.jwksJson }),
    close: () => auth.close(),
  };
}

function guarded<S extends DescService>(service: S, impl: Partial<ServiceImpl<S>>, guards: readonly Guard[]): RegisteredService {
  return { service, impl: applyGuards(service, impl, guards) };
}
