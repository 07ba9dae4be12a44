import { loadConfig } from "../config/index.js";
import { createLogger } from "../observability/index.js";
import { startServer } from "../server.js";
import type { CliIo } from "./io.js";

/** Runs the gRPC and HTTP listeners until a stop is requested (SIGTERM / SIGINT), then shuts down gracefully. */
export async function serve(_args: string[], io: CliIo): Promise<number> {
  const config = loadConfig(io.env);
  const logger = createLogger(config.logLevel, io.logDestination);
  const server = await startServer(config, logger, {
    bootstrapFirstAdmin: true,
    announce: (text) => void io.stderr.write(text),
  });
  logger.info({ grpcPort: server.grpcPort, httpPort: server.httpPort, database: config.database.client }, "warden is serving");
  const signal = await io.untilStopRequested();
  logger.info({ signal }, "shutting down");
  await server.stop();
  logger.flush();
  return 0;
}
