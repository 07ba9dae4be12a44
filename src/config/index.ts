export * from "./config.js";
export { ConfigError } from "./config-error.js";
export { loadConfig } from "./load-config.js";
