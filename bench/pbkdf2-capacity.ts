import { pbkdf2, randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { measureSaturatedRate, type SaturatedRate } from "./saturated-rate.js";

const pbkdf2Async = promisify(pbkdf2);

/** What one raw capacity measurement runs: Warden's hash (PBKDF2-HMAC-SHA256, 32 bytes, 16-byte salt). */
export interface Pbkdf2Load {
  readonly iterations: number;
  readonly inFlight: number;
  /** How long new hashes are started for (see measureSaturatedRate). */
  readonly durationMs: number;
}

/** libuv's thread pool size in this process: UV_THREADPOOL_SIZE, else libuv's default of 4. */
export function threadPoolSize(): number {
  const configured = Number(process.env["UV_THREADPOOL_SIZE"]);
  return Number.isInteger(configured) && configured > 0 ? configured : 4;
}

/**
 * Raw async PBKDF2 capacity of this process: `inFlight` concurrent `crypto.pbkdf2` calls on the
 * thread pool as it is configured, nothing else. Run it in the server's process, with the server
 * idle, for the ceiling its logins are compared against.
 */
export function measurePbkdf2Capacity(load: Pbkdf2Load): Promise<SaturatedRate> {
  const password = randomBytes(18).toString("base64url");
  return measureSaturatedRate(() => pbkdf2Async(password, randomBytes(16), load.iterations, 32, "sha256"), {
    inFlight: load.inFlight,
    warmUp: 0, // native code: nothing to warm up
    durationMs: load.durationMs,
  });
}
