import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliCommand as warden } from "./support/cli.js";
import { startWarden, type TestWarden } from "./support/warden.js";

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "warden-cli-"));
});
afterAll(() => rm(directory, { recursive: true, force: true }));

describe("warden CLI", () => {
  it("gen-key prints a versioned 32-byte key", async () => {
    const { code, stdout } = await warden(["gen-key", "--version", "3"]);
    expect(code).toBe(0);
    const [version, key] = stdout.trim().split(":");
    expect(version).toBe("v3");
    expect(Buffer.from(key ?? "", "base64")).toHaveLength(32);
  });

  it("migrate up, list, down and up again on the embedded database", async () => {
    const env = { DATABASE_FILENAME: join(directory, "migrate.db") };
    const up = await warden(["migrate", "up"], env);
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/^applied Migration\d+_initial$/m);
    expect((await warden(["migrate", "list"], env)).stdout).toMatch(/^applied {2}Migration\d+_initial$/m);
    expect((await warden(["migrate", "down"], env)).stdout).toMatch(/^reverted Migration\d+_initial$/m);
    expect((await warden(["migrate", "list"], env)).stdout).toMatch(/^pending {2}Migration\d+_initial$/m);
    expect((await warden(["migrate", "up"], env)).code).toBe(0);
  });

  it("stops on invalid configuration with one line naming the variable", async () => {
    const { code, stderr } = await warden(["migrate", "list"], { PORT: "not-a-port" });
    expect(code).toBe(78);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toContain("PORT");
  });

  it("answers usage for an unknown command", async () => {
    const { code, stderr } = await warden(["frobnicate"]);
    expect(code).toBe(2);
    expect(stderr).toContain("usage: warden");
  });
});

describe("warden healthcheck", () => {
  let server: TestWarden;
  beforeAll(async () => {
    server = await startWarden("sqlite");
  });
  afterAll(() => server.stop());

  it("exits 0 when the local server is SERVING", async () => {
    const { code, stdout } = await warden(["healthcheck"], { PORT: String(server.server.grpcPort) });
    expect(stdout.trim()).toBe("SERVING");
    expect(code).toBe(0);
  });

  it("exits 1 when nothing answers", async () => {
    const { code } = await warden(["healthcheck"], { PORT: "1" });
    expect(code).toBe(1);
  });
});

// The one case run through the bin in a process of its own: it proves `warden` starts as a
// command and a real SIGTERM stops it; everything else runs the same commands in-process.
it("serve stops cleanly on SIGTERM", async () => {
  const child = spawn("node", ["bin/warden.js", "serve"], {
    env: {
      PATH: process.env["PATH"] ?? "",
      PORT: "0",
      HTTP_PORT: "0",
      HOST: "127.0.0.1",
      WARDEN_DATA_DIR: directory,
      DATABASE_FILENAME: join(directory, "serve.db"),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  for (let waited = 0; !output.includes("warden is serving") && waited < 20_000; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(output).toContain("warden is serving");
  child.kill("SIGTERM");
  expect(await exited).toBe(0);
  expect(output).toContain("shutting down");
});
