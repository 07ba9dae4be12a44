import { rmSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { h2loadVersion } from "./h2load.js";
import { healthCheckScenarios } from "./health-check-scenarios.js";
import { loginScenarios } from "./login-scenarios.js";
import { formatNumber, formatTable, type ScenarioResult } from "./report.js";
import type { PreparedScenario, Scenario, Target } from "./scenario.js";
import { startServerProcess, type ServerProcess } from "./server-process.js";
import type { TargetName } from "./targets.js";

// `npm run bench [-- [--rounds] [name filter]]`: every scenario (or those whose name contains the
// filter; --rounds prints each round's figures too) against each of its targets, ROUNDS times,
// alternating which target goes first so slow drift (thermal, other load) does not favour one.
// Each server runs in a process of its own; this process is only the client and the referee.

const ROUNDS = 5;
/** The whole bench, start-up and shutdown included, stays under three minutes. */
const BUDGET_MS = 165_000;
const HARD_LIMIT_MS = 178_000;
const SERVER_START_TIMEOUT_MS = 30_000;

const servers = new Map<TargetName, ServerProcess>();
let showRounds = false;
let workDir: string | undefined;

async function main(): Promise<number> {
  const startedAt = performance.now();
  const deadline = startedAt + BUDGET_MS;
  workDir = await mkdtemp(join(tmpdir(), "warden-bench-"));
  try {
    console.log(await environmentNotes());
    const args = process.argv.slice(2);
    showRounds = args.includes("--rounds");
    const filter = args.find((arg) => arg !== "--rounds");
    const scenarios = [...healthCheckScenarios(workDir), ...loginScenarios()].filter(
      (scenario) => filter === undefined || scenario.name.includes(filter),
    );
    if (scenarios.length === 0) throw new Error(`no scenario name contains "${filter}"`);
    const started: string[] = [];
    for (const name of new Set(scenarios.flatMap((scenario) => scenario.targets))) {
      // One at a time, so start-up work does not overlap.
      const begin = performance.now();
      servers.set(name, await startServerProcess(name, SERVER_START_TIMEOUT_MS));
      started.push(`${name} in ${((performance.now() - begin) / 1000).toFixed(1)} s`);
    }
    console.log(`started ${started.join(", ")}`);
    const warden = servers.get("warden");
    if (warden?.passwordIterations !== undefined) {
      console.log(
        `warden: PASSWORD_ITERATIONS ${warden.passwordIterations.toLocaleString("en-US")} (the default), ` +
          `${warden.accounts.length} bench users; LOGIN_RATE_LIMIT_PER_MINUTE raised to ` +
          `${warden.loginRateLimitPerMinute?.toLocaleString("en-US")}, as every bench call comes from 127.0.0.1`,
      );
    }
    const results: ScenarioResult[] = [];
    for (const [index, scenario] of scenarios.entries()) {
      // Each scenario gets an equal share of the time left, so a slow one cannot starve the rest.
      const share = (deadline - performance.now()) / (scenarios.length - index);
      results.push(await runScenario(scenario, performance.now() + share));
    }

    console.log(`\nmedians of up to ${ROUNDS} rounds (± half their range); warden/floor is the ratio of the medians`);
    console.log(formatTable(results));
    const failedCalls = results.reduce((sum, result) => sum + result.failedCalls, 0);
    const failedScenarios = results.filter((result) => result.error !== undefined).length;
    const ok = failedCalls === 0 && failedScenarios === 0;
    console.log(
      `\n${ok ? "all calls succeeded" : `${failedCalls} calls failed, ${failedScenarios} scenarios failed`}; ` +
        `load average ${loadavg()[0]?.toFixed(2)}; ${((performance.now() - startedAt) / 1000).toFixed(0)} s`,
    );
    return ok ? 0 : 1;
  } finally {
    await cleanUp();
  }
}

async function runScenario(scenario: Scenario, deadline: number): Promise<ScenarioResult> {
  const result: ScenarioResult = { scenario, rounds: new Map(), failedCalls: 0, notes: [] };
  const unavailable = await scenario.unavailable?.();
  if (unavailable !== undefined) {
    console.log(`${scenario.name}: skipped, ${unavailable}`);
    result.notes.push(`skipped: ${unavailable}`);
    return result;
  }
  process.stdout.write(`${scenario.name}: `);
  const startedAt = performance.now();
  const prepared = new Map<TargetName, PreparedScenario>();
  try {
    for (const name of scenario.targets) {
      const target = targetOf(name);
      prepared.set(name, await withTimeout(scenario.prepare(target), scenario.timeoutMs, `preparing ${name}`));
    }
    let lastRoundMs = 0;
    for (let round = 0; round < ROUNDS; round++) {
      if (performance.now() + lastRoundMs > deadline) {
        result.notes.push(`stopped after ${round} rounds to stay within the time budget`);
        break;
      }
      const roundStarted = performance.now();
      const order = round % 2 === 0 ? scenario.targets : [...scenario.targets].reverse();
      for (const name of order) {
        const run = prepared.get(name);
        if (run === undefined) continue;
        const measurement = await withTimeout(run.run(), scenario.timeoutMs, `measuring ${name}`);
        result.failedCalls += measurement.failedCalls;
        const rounds = result.rounds.get(name) ?? [];
        rounds.push([...measurement.figures]);
        if (showRounds) {
          const figures = measurement.figures.map((figure) => `${figure.metric} ${formatNumber(figure.value)} ${figure.unit}`);
          process.stdout.write(`\n  round ${round + 1}, ${name}: ${figures.join("; ")}\n`);
        }
        result.rounds.set(name, rounds);
      }
      lastRoundMs = performance.now() - roundStarted;
      process.stdout.write(`${round + 1} `);
    }
    console.log(`done in ${((performance.now() - startedAt) / 1000).toFixed(0)} s`);
  } catch (error) {
    console.log("failed");
    result.error = error instanceof Error ? error.message : String(error);
  } finally {
    for (const run of prepared.values()) await run.close?.();
  }
  return result;
}

function targetOf(name: TargetName): Target {
  const server = servers.get(name);
  if (server === undefined) throw new Error(`${name} is not running`);
  return server;
}

async function environmentNotes(): Promise<string> {
  const processors = cpus();
  const grpcJs = JSON.parse(await readFile(new URL("../node_modules/@grpc/grpc-js/package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  const h2load = (await h2loadVersion()) ?? "h2load not installed";
  const load = loadavg()[0] ?? 0;
  return [
    "Warden bench: grpc.health.v1.Health/Check on a bare grpc-js server (floor) and on Warden (full guard chain, logs at info to /dev/null);",
    "Login against the raw PBKDF2 capacity of Warden's process, and WhoAmI latency during a login storm",
    `node ${process.version}, ${process.platform}/${process.arch}, ${processors.length} CPUs (${processors[0]?.model.trim() ?? "unknown"}), ` +
      `grpc-js ${grpcJs.version}, ${h2load}, UV_THREADPOOL_SIZE ${process.env["UV_THREADPOOL_SIZE"] ?? "unset (4)"}, load average ${load.toFixed(2)}`,
    ...(load > processors.length / 4 ? ["note: the machine is busy; figures will be noisier than usual"] : []),
  ].join("\n");
}

/** Stops the servers and removes the work directory; safe to call more than once. */
async function cleanUp(): Promise<void> {
  const stopping = [...servers.values()].map((server) => server.stop());
  servers.clear();
  await Promise.allSettled(stopping);
  if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// Ctrl-C reaches the servers too (they stop themselves, as they do when this process exits).
process.once("SIGINT", () => {
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
  process.exit(130);
});

const hardLimit = setTimeout(() => {
  console.error(`bench: still running after ${HARD_LIMIT_MS / 1000} s; stopping`);
  void cleanUp().finally(() => process.exit(1));
}, HARD_LIMIT_MS);
hardLimit.unref();

main()
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1); // main() has cleaned up
  });
