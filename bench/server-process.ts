import { fork, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import type { CheckOutcomes, TargetName } from "./targets.js";

/** What the server process reports when asked: its own count of Check outcomes and its CPU time. */
export interface ServerStats extends CheckOutcomes {
  /** User + system CPU time of the server process so far, in microseconds. */
  readonly cpuMicros: number;
}

/** Messages between run.ts and server-host.ts over the fork IPC channel. */
export type HostRequest = { readonly type: "stats"; readonly id: number } | { readonly type: "stop" };
export type HostReply =
  | { readonly type: "ready"; readonly port: number }
  | { readonly type: "failed"; readonly message: string }
  | ({ readonly type: "stats"; readonly id: number } & ServerStats);

/** A server under test in a process of its own, so client, load generator and server never share an event loop. */
export interface ServerProcess {
  readonly name: TargetName;
  readonly address: string;
  stats(): Promise<ServerStats>;
  stop(): Promise<void>;
}

const HOST_SCRIPT = new URL("./server-host.ts", import.meta.url);

/** Forks server-host.ts with this process's loader flags (tsx), and waits until the server listens. */
export async function startServerProcess(name: TargetName, timeoutMs: number): Promise<ServerProcess> {
  const child = fork(HOST_SCRIPT, [name], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const pending = new Map<number, { resolve(stats: ServerStats): void; reject(error: Error): void }>();
  let nextId = 0;

  const ready = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${timeoutMs} ms`)), timeoutMs);
    child.on("message", (reply: HostReply) => {
      if (reply.type === "ready") {
        clearTimeout(timer);
        resolve(reply.port);
      } else if (reply.type === "failed") {
        clearTimeout(timer);
        reject(new Error(`${name} failed to start: ${reply.message}`));
      } else {
        const { type: _type, id, ...stats } = reply;
        pending.get(id)?.resolve(stats);
        pending.delete(id);
      }
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      const gone = new Error(`${name} server process exited (${signal ?? `code ${code}`})`);
      reject(gone);
      for (const call of pending.values()) call.reject(gone);
      pending.clear();
    });
  });
  let port: number;
  try {
    port = await ready;
  } catch (error) {
    await kill(child);
    throw error;
  }

  return {
    name,
    address: `127.0.0.1:${port}`,
    stats: () =>
      new Promise<ServerStats>((resolve, reject) => {
        if (!child.connected) return reject(new Error(`${name} server process is gone`));
        const id = nextId++;
        pending.set(id, { resolve, reject });
        send(child, { type: "stats", id });
      }),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      send(child, { type: "stop" });
      const timer = setTimeout(() => void kill(child), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function send(child: ChildProcess, request: HostRequest): void {
  child.send(request);
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGKILL");
  await exited;
}
