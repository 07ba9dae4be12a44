import { fork, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import type { Pbkdf2Load } from "./pbkdf2-capacity.js";
import type { SaturatedRate } from "./saturated-rate.js";
import type { CheckOutcomes, TargetInfo, TargetName } from "./targets.js";
import type { MainThreadTime } from "./thread-time.js";

/** What the server process reports when asked: its own count of Check outcomes and its CPU time. */
export interface ServerStats extends CheckOutcomes {
  /** User + system CPU time of the server process so far (all threads), in microseconds. */
  readonly cpuMicros: number;
  /** The event loop's own thread: CPU time and time spent waiting for a CPU (Linux only). */
  readonly mainThread?: MainThreadTime;
}

/** Messages between run.ts and server-host.ts over the fork IPC channel. */
export type HostRequest =
  | { readonly type: "stats"; readonly id: number }
  | { readonly type: "pbkdf2"; readonly id: number; readonly load: Pbkdf2Load }
  | { readonly type: "stop" };
export type HostReply =
  | ({ readonly type: "ready"; readonly port: number } & TargetInfo)
  | { readonly type: "failed"; readonly message: string }
  | ({ readonly type: "stats"; readonly id: number } & ServerStats)
  | { readonly type: "pbkdf2"; readonly id: number; readonly rate: SaturatedRate }
  | { readonly type: "error"; readonly id: number; readonly message: string };

/** A server under test in a process of its own, so client, load generator and server never share an event loop. */
export interface ServerProcess extends TargetInfo {
  readonly name: TargetName;
  readonly address: string;
  stats(): Promise<ServerStats>;
  /** Raw async PBKDF2 capacity, measured inside the server's process (see pbkdf2-capacity.ts). */
  measurePbkdf2(load: Pbkdf2Load): Promise<SaturatedRate>;
  stop(): Promise<void>;
}

type AnsweredReply = Extract<HostReply, { id: number }>;

const HOST_SCRIPT = new URL("./server-host.ts", import.meta.url);

/** Forks server-host.ts with this process's loader flags (tsx), and waits until the server listens. */
export async function startServerProcess(name: TargetName, timeoutMs: number): Promise<ServerProcess> {
  const child = fork(HOST_SCRIPT, [name], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const pending = new Map<number, { resolve(reply: AnsweredReply): void; reject(error: Error): void }>();
  let nextId = 0;

  const ready = new Promise<TargetInfo & { port: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${timeoutMs} ms`)), timeoutMs);
    child.on("message", (reply: HostReply) => {
      if (reply.type === "ready") {
        clearTimeout(timer);
        const { type: _type, ...info } = reply;
        resolve(info);
      } else if (reply.type === "failed") {
        clearTimeout(timer);
        reject(new Error(`${name} failed to start: ${reply.message}`));
      } else {
        const call = pending.get(reply.id);
        pending.delete(reply.id);
        if (reply.type === "error") call?.reject(new Error(`${name}: ${reply.message}`));
        else call?.resolve(reply);
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
  let info: TargetInfo & { port: number };
  try {
    info = await ready;
  } catch (error) {
    await kill(child);
    throw error;
  }

  const ask = (request: Extract<HostRequest, { id: number }>): Promise<AnsweredReply> =>
    new Promise((resolve, reject) => {
      if (!child.connected) return reject(new Error(`${name} server process is gone`));
      pending.set(request.id, { resolve, reject });
      send(child, request);
    });

  const { port, ...targetInfo } = info;
  return {
    ...targetInfo,
    name,
    address: `127.0.0.1:${port}`,
    async stats() {
      const reply = await ask({ type: "stats", id: nextId++ });
      if (reply.type !== "stats") throw new Error(`${name}: unexpected ${reply.type} reply`);
      const { type: _type, id: _id, ...stats } = reply;
      return stats;
    },
    async measurePbkdf2(load) {
      const reply = await ask({ type: "pbkdf2", id: nextId++, load });
      if (reply.type !== "pbkdf2") throw new Error(`${name}: unexpected ${reply.type} reply`);
      return reply.rate;
    },
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
