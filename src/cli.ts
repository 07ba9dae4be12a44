import { parseArgs } from "node:util";
import { ConfigError, loadConfig, type Config } from "./config/index.js";
import { generateKeySpec } from "./crypto/index.js";
import { createAdmin, generatePassword } from "./auth/index.js";
import { createOrm, listMigrations, migrateDown, migrateUp, seedAccessControl } from "./db/index.js";
import { DomainError } from "./errors/index.js";
import { createLogger } from "./observability/logger.js";
import { startServer } from "./server.js";
import { checkHealth } from "./transport/index.js";

const USAGE = `usage: warden <command>

  serve                      run the gRPC and HTTP listeners (default)
  migrate up|down|list       apply all pending migrations, revert the last one, or list them
  gen-key [--version N]      print a new DATABASE_ENCRYPTION_KEY value
  create-admin --username <name> --email <address>
                             create an ADMIN user; the password comes from WARDEN_ADMIN_PASSWORD,
                             else a prompt (on a terminal), else it is generated and printed once
  healthcheck                exit 0 when the local server answers SERVING (for container probes)
`;

type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  serve,
  migrate,
  "gen-key": genKey,
  "create-admin": createAdminCommand,
  healthcheck,
};

async function serve(): Promise<number> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const server = await startServer(config, logger, { bootstrapFirstAdmin: true });
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

async function createAdminCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { username: { type: "string" }, email: { type: "string" } } });
  const { username, email } = values;
  if (username === undefined || email === undefined) {
    console.error("usage: warden create-admin --username <name> --email <address>");
    return 2;
  }
  const config = loadConfig();
  const offered = process.env["WARDEN_ADMIN_PASSWORD"];
  let password: string;
  let generated = false;
  if (offered !== undefined && offered !== "") {
    password = offered;
  } else if (process.stdin.isTTY) {
    password = await promptNewPassword();
  } else {
    password = generatePassword();
    generated = true;
  }
  const orm = await createOrm(config.database);
  try {
    await migrateUp(orm);
    await seedAccessControl(orm.em.fork());
    const admin = await createAdmin(orm.em.fork(), {
      username,
      email,
      password,
      passwordIterations: config.security.passwordIterations,
    });
    console.log(`created ADMIN user ${admin.username} (${admin.userId})`);
    if (generated) console.log(`password: ${password}\n(shown only now: store it, then change it after logging in)`);
    return 0;
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    console.error(`warden: ${error.message}`);
    return 1;
  } finally {
    await orm.close();
  }
}

/** Reads a password twice from the terminal without echoing it. */
async function promptNewPassword(): Promise<string> {
  for (;;) {
    const first = await readHidden("New admin password: ");
    const second = await readHidden("Repeat the password: ");
    if (first === second && first !== "") return first;
    process.stderr.write("The passwords differ (or are empty); try again.\n");
  }
}

function readHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const input = process.stdin;
    let typed = "";
    process.stderr.write(question);
    input.setRawMode(true);
    input.resume();
    input.setEncoding("utf8");
    const finish = (outcome: () => void) => {
      input.setRawMode(false);
      input.pause();
      input.off("data", onData);
      process.stderr.write("\n");
      outcome();
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === "\r" || char === "\n") return finish(() => resolve(typed));
        if (char === "\u0003") return finish(() => reject(new Error("cancelled")));
        if (char === "\u007f" || char === "\b") typed = typed.slice(0, -1);
        else if (char >= " ") typed += char;
      }
    };
    input.on("data", onData);
  });
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
