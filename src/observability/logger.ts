import pino, { type Logger } from "pino";

// Paths that may carry secrets if an object holding them is ever logged.
const REDACTED_PATHS = [
  "authorization",
  "*.authorization",
  "headers.authorization",
  "headers[\"x-api-key\"]",
  "*[\"x-api-key\"]",
  "password",
  "*.password",
  "newPassword",
  "*.newPassword",
  "currentPassword",
  "*.currentPassword",
  "accessToken",
  "*.accessToken",
  "refreshToken",
  "*.refreshToken",
  "totpCode",
  "*.totpCode",
  "recoveryCode",
  "*.recoveryCode",
  "secret",
  "*.secret",
  "*.apiKey",
];

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

/** JSON logs on stdout (or the given destination), written asynchronously off the hot path. */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "warden" },
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? pino.destination({ sync: false }),
  );
}
