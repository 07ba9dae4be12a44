import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import pino from "pino";
import { Health } from "../gen/grpc/health/v1/health_pb.js";
import { createAccount, createAccountDependencies } from "../src/auth/index.js";
import { loadConfig } from "../src/config/index.js";
import { createUnitOfWork, type EntityManager } from "../src/db/index.js";
import { createLogger } from "../src/observability/index.js";
import { startServer } from "../src/server.js";
import { startFloorServer } from "./floor-server.js";

/** Outcomes of Health/Check calls as the server itself counted them. */
export interface CheckOutcomes {
  readonly ok: number;
  readonly failed: number;
}

/** A user the bench logs in as: created at start-up, through the database, like `warden create-admin`. */
export interface BenchAccount {
  readonly login: string;
  readonly password: string;
}

/** What a target tells the bench about itself once it listens. */
export interface TargetInfo {
  /** Empty for targets without logins (the floor). */
  readonly accounts: readonly BenchAccount[];
  /** The PBKDF2 iteration count Login verifies passwords at; undefined without logins. */
  readonly passwordIterations?: number;
  readonly loginRateLimitPerMinute?: number;
}

/** A server under test, running in this process (see server-host.ts). */
export interface LocalTarget {
  readonly port: number;
  readonly info: TargetInfo;
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
    info: { accounts: [] },
    checkOutcomes: () => Promise.resolve({ ok: floor.answered(), failed: 0 }),
    stop: () => floor.stop(),
  };
}

/** Distinct users, so logins are not all against one row (and one user's lockout state). */
const BENCH_ACCOUNTS = 8;
/**
 * The per-IP login limit, raised out of the way: every bench call comes from 127.0.0.1, and the
 * default (30 a minute) would refuse most of a login storm. Everything else is production's,
 * PASSWORD_ITERATIONS (600,000) included.
 */
const BENCH_LOGIN_RATE_LIMIT_PER_MINUTE = 1_000_000;

/**
 * Warden as `warden serve` runs it, on a fresh SQLite database in a temporary directory. Logs at
 * info go through the production logger to /dev/null: serialising and writing them is measured,
 * the terminal is not flooded. BENCH_ACCOUNTS users (role VIEWER) are created before it listens.
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
    LOGIN_RATE_LIMIT_PER_MINUTE: String(BENCH_LOGIN_RATE_LIMIT_PER_MINUTE),
  });
  const logger = createLogger(config.logLevel, pino.destination({ dest: "/dev/null", sync: false }));
  const server = await startServer(config, logger).catch(async (error: unknown) => {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  });
  const { app } = server;
  let accounts: BenchAccount[];
  try {
    accounts = await createBenchAccounts(server.orm.em, config.security.passwordIterations);
  } catch (error) {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    port: server.grpcPort,
    info: {
      accounts,
      passwordIterations: config.security.passwordIterations,
      loginRateLimitPerMinute: config.security.loginRateLimitPerMinute,
    },
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

async function createBenchAccounts(em: EntityManager, passwordIterations: number): Promise<BenchAccount[]> {
  const accounts = await createAccountDependencies(passwordIterations);
  // Concurrently: the hashes (at the production cost) are most of the time this takes.
  return Promise.all(
    Array.from({ length: BENCH_ACCOUNTS }, async (_, index) => {
      const username = `bench-user-${index + 1}`;
      const password = randomBytes(18).toString("base64url");
      await createAccount(accounts, createUnitOfWork(() => em.fork()), { username, email: `${username}@bench.invalid`, password, roles: ["VIEWER"] }, "bench");
      return { login: username, password };
    }),
  );
}
