import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  Health,
  HealthCheckRequestSchema,
  HealthCheckResponse_ServingStatus,
  HealthCheckResponseSchema,
} from "../gen/grpc/health/v1/health_pb.js";
import { createGrpcClient, type GrpcClient } from "../src/transport/index.js";
import { grpcPathOf } from "../src/transport/index.js";
import { grpcFrame, h2loadVersion, runH2load, sendRawGrpcCall } from "./h2load.js";
import { measureConcurrentThroughput, measureSequentialLatency } from "./latency.js";
import type { PreparedScenario, Scenario, Target } from "./scenario.js";

// grpc.health.v1.Health/Check on the bare grpc-js floor and on Warden, where it runs the full guard
// chain (request id, call log, metrics, error mapping, authentication, authorization, unit of work).

const COMPARED = ["floor", "warden"] as const;
const CHECK_PATH = grpcPathOf(Health.method.check);
const SANITY_TIMEOUT_MS = 5_000;

/** h2load: a warm-up run, which also sizes the measured runs to last about this long each. */
const H2LOAD_WARM_UP_REQUESTS = 5_000;
const H2LOAD_RUN_SECONDS = 2;
const H2LOAD_STREAMS = 32;

const SEQUENTIAL = { warmUp: 500, calls: 3_000 };
const CONCURRENT = { warmUp: 1_000, durationMs: 1_500, inFlight: 64 };

export function healthCheckScenarios(workDir: string): Scenario[] {
  return [capacityScenario(workDir), sequentialLatencyScenario(), concurrentThroughputScenario()];
}

/** Server capacity under a C load generator on one connection: the server, not a Node client, is the bottleneck. */
function capacityScenario(workDir: string): Scenario {
  const timeoutMs = 30_000;
  const body = grpcFrame(toBinary(HealthCheckRequestSchema, create(HealthCheckRequestSchema, { service: "" })));
  const bodyFile = join(workDir, "health-check-request.grpc");
  let bodyWritten: Promise<void> | undefined;
  return {
    name: `capacity (h2load -c 1 -m ${H2LOAD_STREAMS})`,
    targets: COMPARED,
    timeoutMs,
    async unavailable() {
      return (await h2loadVersion()) === undefined ? "h2load not found: install nghttp2-client for capacity figures" : undefined;
    },
    async prepare(target) {
      bodyWritten ??= writeFile(bodyFile, body);
      await bodyWritten;
      await expectServingOverGrpcJs(target);
      // The exact bytes and headers h2load sends must make a successful call.
      const answer = fromBinary(HealthCheckResponseSchema, await sendRawGrpcCall(target.address, CHECK_PATH, body, SANITY_TIMEOUT_MS));
      expectServing(answer.status, `${target.name}, raw HTTP/2 call`);

      const h2load = { address: target.address, path: CHECK_PATH, bodyFile, streamsPerConnection: H2LOAD_STREAMS, timeoutMs };
      const warmUp = await runH2load({ ...h2load, requests: H2LOAD_WARM_UP_REQUESTS });
      if (warmUp.failed > 0) throw new Error(`${target.name}: ${warmUp.failed} h2load warm-up requests failed`);
      const requests = clamp(Math.round(warmUp.requestsPerSecond * H2LOAD_RUN_SECONDS), 5_000, 200_000);

      return {
        async run() {
          const before = await target.stats();
          const result = await runH2load({ ...h2load, requests });
          const after = await target.stats();
          const ok = after.ok - before.ok;
          const errors = after.failed - before.failed;
          return {
            figures: [
              { metric: "req/s", unit: "req/s", value: result.requestsPerSecond },
              { metric: "server CPU", unit: "us/call", value: (after.cpuMicros - before.cpuMicros) / (ok + errors) },
            ],
            // h2load sees HTTP statuses only; the server's own count says whether each call was OK.
            failedCalls: result.failed + errors + Math.abs(result.succeeded - ok),
          };
        },
      };
    },
  };
}

/** Round-trip latency seen by a grpc-js client (the promise client Warden's tests use), one call at a time. */
function sequentialLatencyScenario(): Scenario {
  return {
    name: "latency (grpc-js, sequential)",
    targets: COMPARED,
    timeoutMs: 20_000,
    prepare: (target) =>
      withCheckClient(target, (check) => ({
        async run() {
          const result = await measureSequentialLatency(check, SEQUENTIAL);
          return {
            figures: [
              { metric: "p50", unit: "ms", value: result.p50Ms },
              { metric: "p99", unit: "ms", value: result.p99Ms },
            ],
            failedCalls: result.failed,
          };
        },
      })),
  };
}

/** What one grpc-js client process gets with many calls in flight; the client's own CPU is part of it. */
function concurrentThroughputScenario(): Scenario {
  return {
    name: `throughput (grpc-js, ${CONCURRENT.inFlight} in flight)`,
    targets: COMPARED,
    timeoutMs: 20_000,
    prepare: (target) =>
      withCheckClient(target, (check) => ({
        async run() {
          const result = await measureConcurrentThroughput(check, CONCURRENT);
          return {
            figures: [{ metric: "req/s", unit: "req/s", value: result.requestsPerSecond }],
            failedCalls: result.failed,
          };
        },
      })),
  };
}

/** A grpc-js client of the target, checked with one call, closed with the prepared scenario. */
async function withCheckClient(
  target: Target,
  prepare: (check: () => Promise<void>) => Omit<PreparedScenario, "close">,
): Promise<PreparedScenario> {
  const client = createGrpcClient(Health, target.address);
  try {
    await expectServingOverGrpcJs(target, client);
  } catch (error) {
    client.close();
    throw error;
  }
  const check = async (): Promise<void> => {
    const answer = await client.check({ service: "" });
    expectServing(answer.status, target.name);
  };
  return { ...prepare(check), close: () => client.close() };
}

async function expectServingOverGrpcJs(target: Target, client?: GrpcClient<typeof Health>): Promise<void> {
  const own = client ?? createGrpcClient(Health, target.address);
  try {
    const answer = await own.check({ service: "" }, { deadlineMs: SANITY_TIMEOUT_MS });
    expectServing(answer.status, `${target.name}, grpc-js call`);
  } finally {
    if (client === undefined) own.close();
  }
}

function expectServing(status: HealthCheckResponse_ServingStatus, where: string): void {
  if (status !== HealthCheckResponse_ServingStatus.SERVING) {
    throw new Error(`${where}: Health/Check answered ${HealthCheckResponse_ServingStatus[status]}, expected SERVING`);
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
