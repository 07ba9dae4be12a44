import type { Logger } from "pino";
import { createApp, type App } from "./app.js";
import type { Config } from "./config/index.js";
import { loadKeyRing } from "./crypto/index.js";
import { checkDatabase, createOrm, migrateUp, seedAccessControl, type Orm } from "./db/index.js";
import { ServingStatus, startGrpcListener, startHttpListener } from "./transport/index.js";

export interface RunningServer {
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly app: App;
  readonly orm: Orm;
  /** Graceful shutdown: NOT_SERVING, refuse new calls, let in-flight ones finish (bounded), close pools. */
  stop(): Promise<void>;
}

const DATABASE_PROBE_INTERVAL_MS = 5_000;

/** Composition root: database -> app -> listeners. `warden serve` and the tests start Warden here. */
export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const orm = await createOrm(config.database, { logger: (message) => logger.warn({ component: "database" }, message) });
  try {
    const applied = await migrateUp(orm);
    if (applied.length > 0) logger.info({ migrations: applied }, "database migrated");
    await seedAccessControl(orm.em.fork());
  } catch (error) {
    await orm.close(true);
    throw error;
  }
  const keyRing = loadKeyRing(config.encryption, (message) => logger.warn(message));
  const app = createApp({ config, orm, logger, keyRing });

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
      await orm.close();
    },
  };
}
