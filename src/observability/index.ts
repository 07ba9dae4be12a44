export { createLogger, type LogLevel } from "./logger.js";
export { createMetricsRegistry } from "./metrics.js";
