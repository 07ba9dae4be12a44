import { runCli, type CliIo } from "../../src/cli/index.js";

export interface CliOutcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliRun {
  /** Resolves with the exit code and everything printed, once the command returns. */
  readonly outcome: Promise<CliOutcome>;
  /** What the command printed so far; `log` is `serve`'s JSON log (stdout, in the process). */
  printed(): { readonly stdout: string; readonly stderr: string; readonly log: string };
  /** For `serve`: asks it to stop, as SIGTERM would. */
  stop(): void;
}

/**
 * `warden <args>` in this process, as the bin runs it: only `env` as the environment (no `.env`),
 * stdin a pipe (not a terminal), output captured.
 */
export function startCli(args: readonly string[], env: Readonly<Record<string, string>> = {}): CliRun {
  let stdout = "";
  let stderr = "";
  let log = "";
  let requestStop: (reason: string) => void = () => undefined;
  const stopRequested = new Promise<string>((resolve) => (requestStop = resolve));
  const io: CliIo = {
    env: { ...env },
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    stdin: {
      isTTY: false,
      setEncoding: () => undefined,
      resume: () => undefined,
      pause: () => undefined,
      on: () => undefined,
      off: () => undefined,
    },
    untilStopRequested: () => stopRequested,
    logDestination: { write: (line: string) => void (log += line) },
  };
  return {
    outcome: runCli(args, io).then((code) => ({ code, stdout, stderr })),
    printed: () => ({ stdout, stderr, log }),
    stop: () => requestStop("SIGTERM"),
  };
}

export function runCliCommand(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<CliOutcome> {
  return startCli(args, env).outcome;
}
