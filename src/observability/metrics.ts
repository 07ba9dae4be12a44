import { collectDefaultMetrics, Registry } from "prom-client";

/** A registry per app instance (tests run several in one process), with Node's default metrics. */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
