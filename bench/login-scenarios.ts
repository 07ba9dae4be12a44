import { setTimeout as sleep } from "node:timers/promises";
import { AuthService } from "../gen/warden/auth/v1/auth_service_pb.js";
import { createGrpcClient, type GrpcClient } from "../src/transport/index.js";
import { measureSequentialLatencyFor, percentile, type LatencyResult } from "./latency.js";
import { machineBusyMs } from "./machine-load.js";
import { threadPoolSize } from "./pbkdf2-capacity.js";
import { measureSaturatedRate, type SaturatedRate } from "./saturated-rate.js";
import type { Figure, Scenario, Target } from "./scenario.js";
import type { ServerStats } from "./server-process.js";

// Login at the production hash cost (PBKDF2-HMAC-SHA256, 600,000 iterations) against the ceiling
// the hash alone sets on this machine, and what a login storm does to the latency of cheap calls.

/** Logins kept in flight: several times the thread pool, so hashing never waits for a request. */
const LOGINS_IN_FLIGHT = 12;
/** Raw PBKDF2 calls kept in flight: twice the thread pool, so it never runs dry. */
const RAW_IN_FLIGHT = 2 * threadPoolSize();

/** Logins (and raw hashes) are started for durationMs; those in flight then finish inside the timing. */
const THROUGHPUT = { warmUp: 4, durationMs: 2_500 };
const RAW = { durationMs: 2_000 };
/** WhoAmI latency idle, and during a storm that has been running for STORM.warmUpMs. */
const IDLE_LATENCY = { warmUp: 200, durationMs: 1_500 };
const STORM = { warmUpMs: 1_000, durationMs: 3_000 };
const STORM_MAX_MS = 25_000;

const SANITY_TIMEOUT_MS = 10_000;
/** A login waits behind up to LOGINS_IN_FLIGHT hashes; generous, yet a hung server fails the round. */
const LOGIN_DEADLINE_MS = 30_000;

export function loginScenarios(): Scenario[] {
  return [loginThroughputScenario(), stormLatencyScenario()];
}

/**
 * Logins per second with LOGINS_IN_FLIGHT concurrent Login calls over the bench accounts, against
 * the raw async PBKDF2 capacity of the server's own process (its thread pool, the server idle)
 * measured just before and just after: a login verifies one hash, so the ratio is what the rest of
 * a login costs. Each round's capacity is the mean of the two around it, so that a machine
 * growing busier or quieter meanwhile (other work on it) does not tilt the ratio; consecutive
 * rounds share the capacity measured between them.
 */
function loginThroughputScenario(): Scenario {
  return {
    name: `login throughput (${LOGINS_IN_FLIGHT} in flight)`,
    targets: ["warden"],
    timeoutMs: 40_000,
    async prepare(target) {
      const iterations = expectLogins(target);
      const logins = createLoginLoad(target);
      try {
        await logins.checkEveryAccount();
      } catch (error) {
        logins.close();
        throw error;
      }
      const capacity = (): Promise<SaturatedRate> => target.measurePbkdf2({ iterations, inFlight: RAW_IN_FLIGHT, ...RAW });
      let previous: SaturatedRate | undefined;
      return {
        async run() {
          const others = await watchOtherLoad(target);
          const hashesBefore = previous ?? (await capacity());
          const before = await target.stats();
          const login = await measureSaturatedRate(logins.login, { inFlight: LOGINS_IN_FLIGHT, ...THROUGHPUT });
          const after = await target.stats();
          const hashesAfter = await capacity();
          const hashes = (hashesBefore.perSecond + hashesAfter.perSecond) / 2;
          const failedBefore = previous === undefined ? hashesBefore.failed : 0; // else counted last round
          previous = hashesAfter;
          return {
            figures: [
              { metric: "logins/s", unit: "/s", value: login.perSecond },
              { metric: "raw PBKDF2 hashes/s", unit: "/s", value: hashes },
              { metric: "logins / hashes (aim >= 0.85)", unit: "x", value: login.perSecond / hashes },
              ...cpuPerLogin(before, after, login.completed + THROUGHPUT.warmUp),
              ...(await others()),
            ],
            failedCalls: login.failed + failedBefore + hashesAfter.failed,
          };
        },
        close: () => logins.close(),
      };
    },
  };
}

/**
 * p99 of WhoAmI (authenticated by a Bearer token: verified-token cache, access directory, two
 * reads) from one grpc-js client, one call at a time, while LOGINS_IN_FLIGHT logins run from
 * another connection, against its p99 with the server idle just before and just after (both
 * pooled; consecutive rounds share the idle measurement between them).
 */
function stormLatencyScenario(): Scenario {
  return {
    name: "WhoAmI latency in a login storm",
    targets: ["warden"],
    timeoutMs: 40_000,
    async prepare(target) {
      expectLogins(target);
      const account = target.accounts[0];
      if (account === undefined) throw new Error(`${target.name} has no accounts`);
      const logins = createLoginLoad(target);
      let client: GrpcClient<typeof AuthService> | undefined;
      try {
        const session = await logins.client.login({ login: account.login, password: account.password }, { deadlineMs: LOGIN_DEADLINE_MS });
        client = createGrpcClient(AuthService, target.address, { metadata: { authorization: `Bearer ${session.accessToken}` } });
      } catch (error) {
        logins.close();
        throw error;
      }
      const whoAmIClient = client;
      const whoAmI = async (): Promise<void> => {
        const answer = await whoAmIClient.whoAmI({});
        if (answer.user?.username !== account.login) throw new Error(`WhoAmI answered ${answer.user?.username ?? "no user"}`);
      };
      const idle = (): Promise<LatencyResult> => measureSequentialLatencyFor(whoAmI, IDLE_LATENCY);
      let previous: LatencyResult | undefined;
      return {
        async run() {
          const others = await watchOtherLoad(target);
          const idleBefore = previous ?? (await idle());
          const storm = await duringLoginStorm(target, logins, () =>
            measureSequentialLatencyFor(whoAmI, { warmUp: 0, durationMs: STORM.durationMs }),
          );
          const idleAfter = await idle();
          const failedBefore = previous === undefined ? idleBefore.failed : 0; // else counted last round
          previous = idleAfter;
          const idleSamples = Float64Array.from([...idleBefore.samplesMs, ...idleAfter.samplesMs]).sort();
          const idleP99 = percentile(idleSamples, 0.99);
          return {
            figures: [
              { metric: "idle p50", unit: "ms", value: percentile(idleSamples, 0.5) },
              { metric: "idle p99", unit: "ms", value: idleP99 },
              { metric: "storm p50", unit: "ms", value: storm.result.p50Ms },
              { metric: "storm p99", unit: "ms", value: storm.result.p99Ms },
              { metric: "p99 storm / idle (aim <= 2)", unit: "x", value: storm.result.p99Ms / idleP99 },
              { metric: "storm logins/s", unit: "/s", value: storm.logins.perSecond },
              ...eventLoopWait(storm.before, storm.after, storm.seconds),
              ...(await others()),
            ],
            failedCalls: failedBefore + storm.result.failed + storm.logins.failed + idleAfter.failed,
          };
        },
        close() {
          whoAmIClient.close();
          logins.close();
        },
      };
    },
  };
}

/** Runs `measure` once a login storm has been going for STORM.warmUpMs, then ends the storm. */
async function duringLoginStorm<T>(
  target: Target,
  logins: LoginLoad,
  measure: () => Promise<T>,
): Promise<{ result: T; logins: SaturatedRate; before: ServerStats; after: ServerStats; seconds: number }> {
  const calm = new AbortController();
  const storm = measureSaturatedRate(logins.login, {
    inFlight: LOGINS_IN_FLIGHT,
    warmUp: 0,
    // Ended by `calm`, once the measurement is done.
    durationMs: STORM_MAX_MS,
    signal: calm.signal,
  });
  try {
    await sleep(STORM.warmUpMs);
    const before = await target.stats();
    const started = performance.now();
    const result = await measure();
    const seconds = (performance.now() - started) / 1000;
    const after = await target.stats();
    calm.abort();
    return { result, before, after, seconds, logins: await storm };
  } finally {
    calm.abort(); // also when the measurement failed; the logins in flight then finish by themselves
  }
}

interface LoginLoad {
  readonly client: GrpcClient<typeof AuthService>;
  /** One Login, with the next account in turn; rejects unless it answers tokens for that user. */
  login(): Promise<void>;
  /** One login per account, concurrently: they exist and their passwords work. */
  checkEveryAccount(): Promise<void>;
  close(): void;
}

function createLoginLoad(target: Target): LoginLoad {
  // A connection of its own (not shared with other clients of the same address), as another client's would be.
  const client = createGrpcClient(AuthService, target.address, { channelOptions: { "grpc.use_local_subchannel_pool": 1 } });
  let next = 0;
  const loginAs = async (index: number, deadlineMs: number): Promise<void> => {
    const account = target.accounts[index % target.accounts.length];
    if (account === undefined) throw new Error(`${target.name} has no accounts`);
    const answer = await client.login({ login: account.login, password: account.password, deviceName: "bench" }, { deadlineMs });
    if (answer.accessToken === "" || answer.user?.username !== account.login) {
      throw new Error(`Login as ${account.login} answered no token or another user`);
    }
  };
  return {
    client,
    login: () => loginAs(next++, LOGIN_DEADLINE_MS),
    async checkEveryAccount() {
      await Promise.all(target.accounts.map((_, index) => loginAs(index, SANITY_TIMEOUT_MS + LOGIN_DEADLINE_MS)));
    },
    close: () => client.close(),
  };
}

/** The target's PBKDF2 iteration count; throws for targets without logins. */
function expectLogins(target: Target): number {
  if (target.accounts.length === 0 || target.passwordIterations === undefined) {
    throw new Error(`${target.name} has no bench accounts to log in as`);
  }
  return target.passwordIterations;
}

/** The server's CPU per login (every thread: the hash is most of it) and its event loop's share. */
function cpuPerLogin(before: ServerStats, after: ServerStats, logins: number): Figure[] {
  if (logins === 0) return [];
  const figures: Figure[] = [{ metric: "server CPU", unit: "ms/login", value: (after.cpuMicros - before.cpuMicros) / 1000 / logins }];
  if (before.mainThread !== undefined && after.mainThread !== undefined) {
    figures.push({
      metric: "event-loop CPU",
      unit: "ms/login",
      value: (after.mainThread.cpuNs - before.mainThread.cpuNs) / 1e6 / logins,
    });
  }
  return figures;
}

/** How long the server's event loop was runnable but had no CPU, per second of the measurement. */
function eventLoopWait(before: ServerStats, after: ServerStats, seconds: number): Figure[] {
  if (before.mainThread === undefined || after.mainThread === undefined || seconds <= 0) return [];
  return [{ metric: "event loop waiting for a CPU", unit: "ms/s", value: (after.mainThread.waitNs - before.mainThread.waitNs) / 1e6 / seconds }];
}

/**
 * Starts watching the CPU time the machine spends on anything but the bench (this process) and
 * the target's server process: other work slows both sides of a ratio, unevenly. The figure is
 * in cores, averaged from now to the call of the returned function (empty off Linux).
 */
async function watchOtherLoad(target: Target): Promise<() => Promise<Figure[]>> {
  const snapshot = async () => {
    const busyMs = machineBusyMs();
    const server = await target.stats();
    const own = process.cpuUsage();
    return { busyMs, at: performance.now(), oursMs: (server.cpuMicros + own.user + own.system) / 1000 };
  };
  const start = await snapshot();
  return async () => {
    const end = await snapshot();
    if (start.busyMs === undefined || end.busyMs === undefined || end.at <= start.at) return [];
    const othersMs = Math.max(0, end.busyMs - start.busyMs - (end.oursMs - start.oursMs));
    return [{ metric: "other processes' CPU", unit: "cores", value: othersMs / (end.at - start.at) }];
  };
}
