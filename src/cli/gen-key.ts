import { parseArgs } from "node:util";
import { generateKeySpec } from "../crypto/index.js";
import type { CliIo } from "./io.js";

/** `gen-key [--version N]`: prints a new DATABASE_ENCRYPTION_KEY value. */
export async function genKey(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { version: { type: "string", default: "1" } } });
  const version = Number(values.version);
  if (!Number.isInteger(version) || version < 1) {
    io.stderr.write("--version must be a positive integer\n");
    return 2;
  }
  io.stdout.write(`${generateKeySpec(version)}\n`);
  return 0;
}
