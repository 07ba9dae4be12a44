import type { Pbkdf2Load } from "./pbkdf2-capacity.js";
import type { SaturatedRate } from "./saturated-rate.js";
import type { ServerStats } from "./server-process.js";
import type { TargetInfo, TargetName } from "./targets.js";

/** A running server as scenarios see it; its accounts (if any) come with TargetInfo. */
export interface Target extends TargetInfo {
  readonly name: TargetName;
  /** host:port of its plaintext gRPC listener. */
  readonly address: string;
  /** The server's own counts of Check outcomes and its CPU time (from its process). */
  stats(): Promise<ServerStats>;
  /** Raw async PBKDF2 capacity, measured inside the server's process while it is otherwise idle. */
  measurePbkdf2(load: Pbkdf2Load): Promise<SaturatedRate>;
}

export interface Figure {
  /** Row label, e.g. "req/s", "p99". */
  readonly metric: string;
  /** Unit the value is printed in, e.g. "req/s", "ms", "us/call". */
  readonly unit: string;
  readonly value: number;
}

export interface Measurement {
  readonly figures: readonly Figure[];
  /** Calls that failed or whose outcome could not be confirmed; any makes the bench exit non-zero. */
  readonly failedCalls: number;
}

/** A scenario prepared against one target: measured once per round. */
export interface PreparedScenario {
  run(): Promise<Measurement>;
  close?(): void | Promise<void>;
}

export interface Scenario {
  readonly name: string;
  /** Targets to compare, baseline first: the printed ratios are each other target over the first. */
  readonly targets: readonly TargetName[];
  /** Upper bound of one prepare or one run, in milliseconds. */
  readonly timeoutMs: number;
  /** Why the scenario cannot run on this machine (e.g. a missing tool), or undefined. */
  unavailable?(): Promise<string | undefined>;
  /** Warm-up and sanity checks against one target; throws if the target does not answer correctly. */
  prepare(target: Target): Promise<PreparedScenario>;
}
