import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../gen/warden/auth/v1/auth_service_pb.js";
import { generateKeySpec } from "../src/crypto/index.js";
import { createGrpcClient } from "../src/transport/index.js";
import { grpcFailure } from "./support/grpc-failure.js";
import { FAST_AUTH_ENV } from "./support/identities.js";

interface Served {
  readonly grpcAddress: string;
  readonly stdout: () => string;
  readonly stderr: () => string;
  stop(): Promise<void>;
}

let directory: string;

/** `node bin/warden.js serve` (what `npm start` runs) on ports 0; resolves once it is serving. */
async function serve(env: Record<string, string>, dataDirectory = directory): Promise<Served> {
  const child: ChildProcess = spawn("node", ["bin/warden.js", "serve"], {
    env: {
      PATH: process.env["PATH"] ?? "",
      HOST: "127.0.0.1",
      PORT: "0",
      HTTP_PORT: "0",
      DATABASE_FILENAME: join(dataDirectory, "data.db"),
      WARDEN_DATA_DIR: dataDirectory,
      ...FAST_AUTH_ENV,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const grpcPort = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not serving after 60 s; stderr: ${stderr}`)), 60_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
      const match = /"grpcPort":(\d+).*"msg":"warden is serving"/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once("exit", (code) => reject(new Error(`warden exited with ${code}; stderr: ${stderr}`)));
  });
  return {
    grpcAddress: `127.0.0.1:${grpcPort}`,
    stdout: () => stdout,
    stderr: () => stderr,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

async function login(address: string, login: string, password: string) {
  const client = createGrpcClient(AuthService, address);
  try {
    return await client.login({ login, password });
  } finally {
    client.close();
  }
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "warden-first-admin-"));
});
afterAll(() => rm(directory, { recursive: true, force: true }));

describe("the first start in development creates an administrator", { timeout: 120_000 }, () => {
  let password = "";

  it("prints a generated password for \"admin\" once, on stderr and never in the JSON log, and it logs in", async () => {
    const first = await serve({});
    try {
      const match = /username: admin\n\s+password: (\S+)\n/.exec(first.stderr());
      password = match?.[1] ?? "";
      expect(password.length).toBeGreaterThanOrEqual(24);
      const session = await login(first.grpcAddress, "admin", password);
      expect(session.user?.roles).toEqual(["ADMIN"]);
      expect(first.stdout()).toContain("created the first administrator");
    } finally {
      await first.stop();
    }
    expect(first.stdout()).not.toContain(password);
    expect(first.stderr().split(password)).toHaveLength(2);
  });

  it("does not do it again once the database has a user: the next start prints nothing, the password still works", async () => {
    const second = await serve({});
    try {
      expect(second.stderr()).not.toContain("password:");
      expect((await login(second.grpcAddress, "admin", password)).user?.username).toBe("admin");
    } finally {
      await second.stop();
    }
  });

  it("never does it in production mode", async () => {
    const empty = await mkdtemp(join(tmpdir(), "warden-first-admin-production-"));
    const production = await serve(
      { WARDEN_ENV: "production", DATABASE_ENCRYPTION_KEY: generateKeySpec(1), PASSWORD_ITERATIONS: "100000" },
      empty,
    );
    try {
      expect(production.stderr()).not.toContain("password:");
      const failure = await grpcFailure(login(production.grpcAddress, "admin", "anything-at-all-123"));
      expect(failure.reason).toBe("INVALID_CREDENTIALS");
    } finally {
      await production.stop();
      await rm(empty, { recursive: true, force: true });
    }
  });
});
