import { loadConfig } from "../config/index.js";
import { checkHealth } from "../transport/index.js";
import type { CliIo } from "./io.js";

const HEALTHCHECK_TIMEOUT_MS = 3000;

/** `healthcheck`: exit 0 when the local server answers SERVING (for container probes). */
export async function healthcheck(_args: string[], io: CliIo): Promise<number> {
  const config = loadConfig(io.env);
  const serving = await checkHealth(`127.0.0.1:${config.grpcPort}`, HEALTHCHECK_TIMEOUT_MS);
  io.stdout.write(serving ? "SERVING\n" : "NOT_SERVING\n");
  return serving ? 0 : 1;
}
