import type { Logger } from "pino";
import { createApp, type App } from "./app.js";
import { bootstrapFirstAdmin, createAccountDependencies } from "./auth/index.js";
import type { Config } from "./config/index.js";
import { loadKeyRing } from "./crypto/index.js";
import { Redis } from "ioredis";
import { checkDatabase, createChangeNotifier, createOrm, createUnitOfWork, migrateUp, seedAccessControl, type Orm } from "./db/index.js";
import { createRateLimiters } from "./guards/index.js";
import { ServingStatus, startGrpcListener, startHttpListener } from "./transport/index.js";

export interface RunningServer {
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly app: App;
  readonly orm: Orm;
  /** Graceful shutdown: NOT_SERVING, refuse new calls, let in-flight ones finish (bounded), close pools. */
  stop(): Promise<void>;
}

export interface StartServerOptions {
  /**
   * In development mode, on a database without users, create the first ADMIN ("admin") with a
   * generated password and pass it to `announce` once (`warden serve` sets this; tests do not).
   */
  readonly bootstrapFirstAdmin?: boolean;
  /** Where the generated password goes: never the JSON log. Defaults to stderr. */
  readonly announce?: (text: string) => void;
}

const DATABASE_PROBE_INTERVAL_MS = 5_000;

/** Composition root: database -> app -> listeners. `warden serve` and the tests start Warden here. */
export async function startServer(config: Config, logger: Logger, options: StartServerOptions = {}): Promise<RunningServer> {
  const orm = await createOrm(config.database, { logger: (message) => logger.warn({ component: "database" }, message) });
  try {
    const applied = await migrateUp(orm);
    if (applied.length > 0) logger.info({ migrations: applied }, "database migrated");
    await seedAccessControl(orm.em.fork());
    if (options.bootstrapFirstAdmin === true && config.mode === "development") {
      const accounts = await createAccountDependencies(config.security.passwordIterations);
      const admin = await bootstrapFirstAdmin(accounts, createUnitOfWork(() => orm.em.fork()));
      if (admin !== undefined) {
        logger.warn({ username: admin.username }, "created the first administrator; its password was printed to stderr once");
        (options.announce ?? ((text) => process.stderr.write(text)))(firstAdminNotice(admin.username, admin.password));
      }
    }
  } catch (error) {
    await orm.close(true);
    throw error;
  }
  const keyRing = loadKeyRing(config.encryption, (message) => logger.warn(message));
  const notifier = await createChangeNotifier(config.database, (message) => logger.warn(message));
  const redis = config.redisUrl === undefined ? undefined : connectRedis(config.redisUrl, logger);
  const rateLimiters = createRateLimiters(redis);
  const app = await createApp({ config, orm, logger, keyRing, notifier, rateLimiters });

  const grpc = await startGrpcListener({
    host: config.host,
    port: config.grpcPort,
    services: app.services,
    maxMessageBytes: config.maxMessageBytes,
    reflection: true,
    ...(config.tls !== undefined && { tls: config.tls }),
  });
  const http = await startHttpListener({
    host: config.host,
    port: config.httpPort,
    services: app.services,
    routes: app.httpRoutes,
    maxMessageBytes: config.maxMessageBytes,
  });

  const probe = setInterval(() => {
    void checkDatabase(orm).then((reachable) => {
      if (stopping) return;
      if (!reachable) logger.warn("database unreachable: reporting NOT_SERVING");
      app.health.setAll(reachable ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
    });
  }, DATABASE_PROBE_INTERVAL_MS);
  probe.unref();

  let stopping = false;
  return {
    grpcPort: grpc.port,
    httpPort: http.port,
    app,
    orm,
    async stop() {
      if (stopping) return;
      stopping = true;
      clearInterval(probe);
      app.health.setAll(ServingStatus.NOT_SERVING);
      app.health.close();
      await Promise.all([grpc.shutdown(config.shutdownGraceMs), http.shutdown(config.shutdownGraceMs)]);
      await app.close();
      await notifier.close();
      redis?.disconnect();
      await orm.close();
    },
  };
}

/** Redis is optional and shared state only: while it is down, calls go on with per-instance fallbacks. */
function connectRedis(url: string, logger: Logger): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
  let healthy = true;
  redis.on("error", (error: Error) => {
    if (healthy) logger.warn({ err: error.message }, "redis unavailable: using per-instance rate limits");
    healthy = false;
  });
  redis.on("ready", () => {
    healthy = true;
  });
  return redis;
}

function firstAdminNotice(username: string, password: string): string {
  return [
    "",
    "  Warden (development): created the first administrator.",
    `    username: ${username}`,
    `    password: ${password}`,
    "  This password is shown only now. Log in with it, then change it (AuthService/ChangePassword).",
    "",
    "",
  ].join("\n");
}
