import { measurePbkdf2Capacity } from "./pbkdf2-capacity.js";
import type { HostReply, HostRequest } from "./server-process.js";
import { startTarget, TARGET_NAMES, type LocalTarget, type TargetName } from "./targets.js";
import { mainThreadTime } from "./thread-time.js";

// Entry point of a server process forked by server-process.ts: `server-host.ts <floor|warden>`.

function reply(message: HostReply): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const name = process.argv[2];
  if (!TARGET_NAMES.includes(name as TargetName)) throw new Error(`unknown target "${name}"`);
  const target: LocalTarget = await startTarget(name as TargetName);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= target.stop().finally(() => process.exit(0)));

  process.on("message", (request: HostRequest) => {
    switch (request.type) {
      case "stop":
        void stop();
        return;
      case "stats":
        void target.checkOutcomes().then((outcomes) => {
          const cpu = process.cpuUsage();
          const mainThread = mainThreadTime();
          reply({
            type: "stats",
            id: request.id,
            ...outcomes,
            cpuMicros: cpu.user + cpu.system,
            ...(mainThread !== undefined && { mainThread }),
          });
        });
        return;
      case "pbkdf2":
        // In this process, on its thread pool, while the server beside it is idle.
        measurePbkdf2Capacity(request.load).then(
          (rate) => reply({ type: "pbkdf2", id: request.id, rate }),
          (error: unknown) => reply({ type: "error", id: request.id, message: error instanceof Error ? error.message : String(error) }),
        );
        return;
    }
  });
  // The parent died or closed the channel: never outlive it. Ctrl-C reaches the whole process group.
  process.on("disconnect", () => void stop());
  process.on("SIGINT", () => void stop());
  reply({ type: "ready", port: target.port, ...target.info });
}

main().catch((error: unknown) => {
  reply({ type: "failed", message: error instanceof Error ? error.message : String(error) });
  process.exitCode = 1;
  if (process.connected) process.disconnect(); // after the reply is flushed; the parent kills us if we linger
});
