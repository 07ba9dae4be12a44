import pino, { type Logger } from "pino";

// Top-level fields that would carry secrets if an object holding them were ever logged. Exact
// paths only: wildcard paths cost pino a scan of every logged object, on every call line.
const REDACTED_PATHS = [
  "authorization",
  "headers.authorization",
  'headers["x-api-key"]',
  "password",
  "newPassword",
  "currentPassword",
  "accessToken",
  "refreshToken",
  "totpCode",
  "recoveryCode",
  "secret",
  "apiKey",
];

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

/** JSON logs on stdout (or the given destination), written asynchronously off the hot path. */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "warden" },
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    },
    destination ?? pino.destination({ sync: false }),
  );
}
