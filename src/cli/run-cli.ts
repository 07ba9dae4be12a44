import { ConfigError } from "../config/index.js";
import { createAdminCommand } from "./create-admin.js";
import { genKey } from "./gen-key.js";
import { healthcheck } from "./healthcheck.js";
import type { CliIo } from "./io.js";
import { migrate } from "./migrate.js";
import { serve } from "./serve.js";

export const USAGE = `usage: warden <command>

  serve                      run the gRPC and HTTP listeners (default)
  migrate up|down|list       apply all pending migrations, revert the last one, or list them
  gen-key [--version N]      print a new DATABASE_ENCRYPTION_KEY value
  create-admin --username <name> --email <address>
                             create an ADMIN user; the password comes from WARDEN_ADMIN_PASSWORD,
                             else a prompt (on a terminal), else it is generated and printed once
  healthcheck                exit 0 when the local server answers SERVING (for container probes)
`;

/** A command: its arguments (after the command name) and io in, the exit code out. */
export type Command = (args: string[], io: CliIo) => Promise<number>;

export const COMMANDS: Readonly<Record<string, Command>> = {
  serve,
  migrate,
  "gen-key": genKey,
  "create-admin": createAdminCommand,
  healthcheck,
};

/** Exit code of configuration errors (EX_CONFIG, sysexits.h). */
export const EXIT_CONFIG = 78;

/** Runs `warden <argv...>` and returns its exit code; everything it prints goes through `io`. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name = "serve", ...args] = argv;
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    io.stderr.write(`${USAGE}\n`);
    return name === "help" || name === "--help" ? 0 : 2;
  }
  try {
    return await command(args, io);
  } catch (error) {
    // Configuration problems are one clear line, not a stack trace.
    if (error instanceof ConfigError) {
      io.stderr.write(`warden: ${error.message}\n`);
      return EXIT_CONFIG;
    }
    throw error;
  }
}
