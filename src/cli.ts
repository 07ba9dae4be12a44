import { parseArgs } from "node:util";
import { ConfigError, loadConfig, type Config } from "./config/index.js";
import { generateKeySpec } from "./crypto/index.js";
import { createOrm, listMigrations, migrateDown, migrateUp } from "./db/index.js";
import { createLogger } from "./observability/logger.js";
import { startServer } from "./server.js";
import { checkHealth } from "./transport/index.js";

const USAGE = `usage: warden <command>

  serve                      run the gRPC and HTTP listeners (default)
  migrate up|down|list       apply all pending migrations, revert the last one, or list them
  gen-key [--version N]      print a new DATABASE_ENCRYPTION_KEY value
  healthcheck                exit 0 when the local server answers SERVING (for container probes)
`;

type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  serve,
  migrate,
  "gen-key": genKey,
  healthcheck,
};

async function serve(): Promise<number> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const server = await startServer(config, logger);
  logger.info({ grpcPort: server.grpcPort, httpPort: server.httpPort, database: config.database.client }, "warden is serving");
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, "shutting down");
      resolve();
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
  await server.stop();
  logger.flush();
  return 0;
}

async function migrate([direction]: string[]): Promise<number> {
  const config = loadConfig();
  const orm = await createOrm(config.database);
  try {
    switch (direction) {
      case "up":
        for (const name of await migrateUp(orm)) console.log(`applied ${name}`);
        return 0;
      case "down":
        for (const name of await migrateDown(orm)) console.log(`reverted ${name}`);
        return 0;
      case "list": {
        const { executed, pending } = await listMigrations(orm);
        for (const name of executed) console.log(`applied  ${name}`);
        for (const name of pending) console.log(`pending  ${name}`);
        return 0;
      }
      default:
        console.error("usage: warden migrate up|down|list");
        return 2;
    }
  } finally {
    await orm.close();
  }
}

async function genKey(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { version: { type: "string", default: "1" } } });
  const version = Number(values.version);
  if (!Number.isInteger(version) || version < 1) {
    console.error("--version must be a positive integer");
    return 2;
  }
  console.log(generateKeySpec(version));
  return 0;
}

async function healthcheck(): Promise<number> {
  const config: Config = loadConfig();
  const serving = await checkHealth(`127.0.0.1:${config.grpcPort}`, 3000);
  console.log(serving ? "SERVING" : "NOT_SERVING");
  return serving ? 0 : 1;
}

async function main(argv: string[]): Promise<number> {
  const [name = "serve", ...args] = argv;
  const command = COMMANDS[name];
  if (command === undefined) {
    console.error(USAGE);
    return name === "help" || name === "--help" ? 0 : 2;
  }
  try {
    return await command(args);
  } catch (error) {
    // Configuration problems are one clear line, not a stack trace.
    if (error instanceof ConfigError) {
      console.error(`warden: ${error.message}`);
      return 78;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
