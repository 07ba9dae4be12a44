/** One unit of work under measurement (a hash, a login); rejects when it fails. */
export type Operation = () => Promise<unknown>;

export interface SaturatedRateOptions {
  /** Operations kept outstanding: enough to keep the bottleneck busy. */
  readonly inFlight: number;
  /** Operations run (inFlight at a time) and finished before the timing starts. */
  readonly warmUp: number;
  /** How long new operations are started for; those then in flight finish inside the timing. */
  readonly durationMs: number;
  /** Stops starting operations before durationMs is over (for a load run beside another measurement). */
  readonly signal?: AbortSignal;
}

export interface SaturatedRate {
  /** Completions per second, from the first start to the last completion. */
  readonly perSecond: number;
  /** Operations that succeeded in the timed part. */
  readonly completed: number;
  /** Failed operations, warm-up included. */
  readonly failed: number;
}

/**
 * Keeps `inFlight` operations outstanding for `durationMs`, lets the last ones finish, and divides
 * the operations completed by the time from the first start to the last completion: a fixed
 * amount of work over the time it took, with the pipeline full from start to end (but for its
 * last few operations). Counting completions in a fixed window instead would depend on where
 * bursts fall: parallel workers started together finish together, and a window catching one burst
 * more or less is off by 4 hashes in ~50.
 */
export async function measureSaturatedRate(operation: Operation, options: SaturatedRateOptions): Promise<SaturatedRate> {
  let warmUpLeft = options.warmUp;
  const warmUp = await runConcurrently(operation, options.inFlight, () => warmUpLeft-- > 0);
  const started = performance.now();
  const stopAt = started + options.durationMs;
  const timed = await runConcurrently(operation, options.inFlight, () => performance.now() < stopAt && options.signal?.aborted !== true);
  const seconds = (timed.lastCompletion - started) / 1000;
  return {
    perSecond: timed.completed > 0 && seconds > 0 ? timed.completed / seconds : Number.NaN,
    completed: timed.completed,
    failed: warmUp.failed + timed.failed,
  };
}

/** `inFlight` loops, each starting its next operation when the previous one ends, while `more()` says so. */
async function runConcurrently(
  operation: Operation,
  inFlight: number,
  more: () => boolean,
): Promise<{ completed: number; failed: number; lastCompletion: number }> {
  let completed = 0;
  let failed = 0;
  let lastCompletion = 0;
  const loop = async (): Promise<void> => {
    while (more()) {
      try {
        await operation();
        completed += 1;
      } catch {
        failed += 1;
      }
      lastCompletion = performance.now();
    }
  };
  await Promise.all(Array.from({ length: inFlight }, loop));
  return { completed, failed, lastCompletion };
}
