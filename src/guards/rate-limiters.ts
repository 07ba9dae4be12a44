import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { DomainError } from "../errors/index.js";

/**
 * Fixed-window limiters shared by every instance through Redis when it is
 * configured, in process memory otherwise. When Redis fails, each instance
 * falls back to its own memory limiter (the "insurance") instead of failing
 * the call: limits get looser during the outage, never absent.
 */
export interface RateLimiters {
  /**
   * Counts one event against `key` in the limiter `name` (`points` per
   * `durationSeconds`); throws RESOURCE_EXHAUSTED with a retry delay when over.
   */
  consume(name: string, key: string, points: number, durationSeconds: number): Promise<void>;
}

export function createRateLimiters(redis?: Redis): RateLimiters {
  const limiters = new Map<string, RateLimiterAbstract>();
  const limiterFor = (name: string, points: number, duration: number): RateLimiterAbstract => {
    const id = `${name}:${points}:${duration}`;
    let limiter = limiters.get(id);
    if (limiter === undefined) {
      const keyPrefix = `warden:rl:${id}`;
      const memory = new RateLimiterMemory({ keyPrefix, points, duration });
      limiter =
        redis === undefined
          ? memory
          : new RateLimiterRedis({ storeClient: redis, keyPrefix, points, duration, insuranceLimiter: memory });
      limiters.set(id, limiter);
    }
    return limiter;
  };
  return {
    async consume(name, key, points, durationSeconds) {
      try {
        await limiterFor(name, points, durationSeconds).consume(key);
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        throw new DomainError("resource-exhausted", "RATE_LIMITED", `rate limit exceeded (${name})`, {
          retryAfterMs: Math.max(rejection.msBeforeNext, 1),
          metadata: { limit: String(points), window_seconds: String(durationSeconds) },
        });
      }
    },
  };
}
