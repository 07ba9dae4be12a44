import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { Health } from "../gen/grpc/health/v1/health_pb.js";
import { loadConfig } from "../src/config/index.js";
import { createLogger } from "../src/observability/logger.js";
import { startServer } from "../src/server.js";
import { startFloorServer } from "./floor-server.js";

/** Outcomes of Health/Check calls as the server itself counted them. */
export interface CheckOutcomes {
  readonly ok: number;
  readonly failed: number;
}

/** A server under test, running in this process (see server-host.ts). */
export interface LocalTarget {
  readonly port: number;
  checkOutcomes(): Promise<CheckOutcomes>;
  stop(): Promise<void>;
}

export const TARGET_NAMES = ["floor", "warden"] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

export function startTarget(name: TargetName): Promise<LocalTarget> {
  return name === "floor" ? startFloor() : startWarden();
}

async function startFloor(): Promise<LocalTarget> {
  const floor = await startFloorServer();
  return {
    port: floor.port,
    checkOutcomes: () => Promise.resolve({ ok: floor.answered(), failed: 0 }),
    stop: () => floor.stop(),
  };
}

/**
 * Warden as `warden serve` runs it, on a fresh SQLite database in a temporary directory. Logs at
 * info go through the production logger to /dev/null: serialising and writing them is measured,
 * the terminal is not flooded.
 */
async function startWarden(): Promise<LocalTarget> {
  const dataDir = await mkdtemp(join(tmpdir(), "warden-bench-data-"));
  const config = loadConfig({
    HOST: "127.0.0.1",
    PORT: "0",
    HTTP_PORT: "0",
    LOG_LEVEL: "info",
    WARDEN_DATA_DIR: dataDir,
    DATABASE_FILENAME: join(dataDir, "warden.db"),
    SHUTDOWN_GRACE_MS: "2000",
  });
  const logger = createLogger(config.logLevel, pino.destination({ dest: "/dev/null", sync: false }));
  const server = await startServer(config, logger).catch(async (error: unknown) => {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  });
  const { app } = server;
  return {
    port: server.grpcPort,
    // The metrics guard counts every call by final status, so this sees errors h2load cannot
    // (a gRPC error is an HTTP 200 whose trailers carry the status).
    async checkOutcomes() {
      const metrics = await app.metrics.getMetricsAsJSON();
      const handled = metrics.find((metric) => metric.name === "grpc_server_handled_total");
      let ok = 0;
      let failed = 0;
      for (const { labels, value } of handled?.values ?? []) {
        if (labels["grpc_service"] !== Health.typeName || labels["grpc_method"] !== Health.method.check.name) continue;
        if (labels["grpc_code"] === "OK") ok += value;
        else failed += value;
      }
      return { ok, failed };
    },
    async stop() {
      await server.stop();
      logger.flush();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
