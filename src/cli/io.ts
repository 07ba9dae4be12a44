import type { DestinationStream } from "pino";

/** Where a command writes text: process.stdout / process.stderr, or a test's buffer. */
export interface TextSink {
  write(text: string): unknown;
}

/** What `create-admin` reads a password from when it is a terminal (raw mode, no echo). */
export interface CliInput {
  readonly isTTY?: boolean | undefined;
  setRawMode?(raw: boolean): unknown;
  setEncoding(encoding: BufferEncoding): unknown;
  resume(): unknown;
  pause(): unknown;
  on(event: "data", listener: (chunk: string) => void): unknown;
  off(event: "data", listener: (chunk: string) => void): unknown;
}

/** Everything a command touches outside its arguments, so that it runs in-process in tests too. */
export interface CliIo {
  /** Read by loadConfig. The process environment (only then is `.env` read too), or a test's. */
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  readonly stdin: CliInput;
  /** `serve`: resolves with the reason (e.g. "SIGTERM") when the server is to stop. */
  untilStopRequested(): Promise<string>;
  /** `serve`: where the JSON log goes; asynchronous writes to stdout (fd 1) when left out. */
  readonly logDestination?: DestinationStream;
}

/** The real process: its environment, streams and SIGTERM / SIGINT. */
export function processIo(): CliIo {
  return {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    untilStopRequested: () =>
      new Promise((resolve) => {
        const stop = (signal: NodeJS.Signals) => {
          process.off("SIGTERM", stop);
          process.off("SIGINT", stop);
          resolve(signal);
        };
        process.once("SIGTERM", stop);
        process.once("SIGINT", stop);
      }),
  };
}
