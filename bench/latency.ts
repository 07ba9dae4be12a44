/** One call of the client under measurement; rejects when the call fails. */
export type Call = () => Promise<unknown>;

export interface LatencyResult {
  readonly calls: number;
  readonly failed: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Every measured duration, sorted: to pool with another run's (see percentile). */
  readonly samplesMs: Float64Array;
}

export interface ThroughputResult {
  readonly calls: number;
  readonly failed: number;
  readonly requestsPerSecond: number;
}

/** Calls one at a time: `warmUp` unmeasured calls, then `calls` timed ones. */
export async function measureSequentialLatency(call: Call, options: { warmUp: number; calls: number }): Promise<LatencyResult> {
  let callsLeft = options.calls;
  return sequentialLatency(call, options.warmUp, () => callsLeft-- > 0);
}

/** Calls one at a time: `warmUp` unmeasured calls, then timed ones for `durationMs`. */
export async function measureSequentialLatencyFor(
  call: Call,
  options: { warmUp: number; durationMs: number },
): Promise<LatencyResult> {
  let end: number | undefined;
  return sequentialLatency(call, options.warmUp, () => performance.now() < (end ??= performance.now() + options.durationMs));
}

async function sequentialLatency(call: Call, warmUp: number, more: () => boolean): Promise<LatencyResult> {
  let warmUpLeft = warmUp;
  let { failed } = await runConcurrently(call, 1, () => warmUpLeft-- > 0);
  const measured: number[] = [];
  while (more()) {
    const started = performance.now();
    try {
      await call();
    } catch {
      failed += 1;
    }
    measured.push(performance.now() - started);
  }
  const durations = Float64Array.from(measured).sort();
  return {
    calls: durations.length,
    failed,
    p50Ms: percentile(durations, 0.5),
    p99Ms: percentile(durations, 0.99),
    samplesMs: durations,
  };
}

/** Keeps `inFlight` calls outstanding: `warmUp` calls unmeasured, then as many as complete in `durationMs`. */
export async function measureConcurrentThroughput(
  call: Call,
  options: { warmUp: number; durationMs: number; inFlight: number },
): Promise<ThroughputResult> {
  let warmUpLeft = options.warmUp;
  const warmUp = await runConcurrently(call, options.inFlight, () => warmUpLeft-- > 0);
  const started = performance.now();
  const end = started + options.durationMs;
  const measured = await runConcurrently(call, options.inFlight, () => performance.now() < end);
  const seconds = (performance.now() - started) / 1000;
  return {
    calls: measured.calls,
    failed: warmUp.failed + measured.failed,
    requestsPerSecond: measured.calls / seconds,
  };
}

/** `inFlight` loops, each starting its next call when the previous one ends, while `more()` says so. */
async function runConcurrently(call: Call, inFlight: number, more: () => boolean): Promise<{ calls: number; failed: number }> {
  let calls = 0;
  let failed = 0;
  const loop = async (): Promise<void> => {
    while (more()) {
      calls += 1;
      await call().catch(() => (failed += 1));
    }
  };
  await Promise.all(Array.from({ length: inFlight }, loop));
  return { calls, failed };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(fraction * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}
