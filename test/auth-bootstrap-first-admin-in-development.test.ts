import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../gen/warden/auth/v1/auth_service_pb.js";
import { generateKeySpec } from "../src/crypto/index.js";
import { createGrpcClient } from "../src/transport/index.js";
import { startCli } from "./support/cli.js";
import { grpcFailure } from "./support/grpc-failure.js";
import { FAST_AUTH_ENV } from "./support/identities.js";

interface Served {
  readonly grpcAddress: string;
  readonly stdout: () => string;
  readonly stderr: () => string;
  stop(): Promise<void>;
}

let directory: string;

/** `warden serve` (what `npm start` runs) in-process on ports 0; resolves once it is serving. */
async function serve(env: Record<string, string>, dataDirectory = directory): Promise<Served> {
  const run = startCli(["serve"], {
    HOST: "127.0.0.1",
    PORT: "0",
    HTTP_PORT: "0",
    DATABASE_FILENAME: join(dataDirectory, "data.db"),
    WARDEN_DATA_DIR: dataDirectory,
    ...FAST_AUTH_ENV,
    ...env,
  });
  let exited = false;
  void run.outcome.finally(() => (exited = true));
  let match: RegExpExecArray | null = null;
  for (let waited = 0; match === null; waited += 50) {
    if (exited || waited > 60_000) throw new Error(`not serving; stderr: ${run.printed().stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    match = /"grpcPort":(\d+).*"msg":"warden is serving"/.exec(run.printed().log);
  }
  return {
    grpcAddress: `127.0.0.1:${match[1]}`,
    // The JSON log goes to stdout in the process.
    stdout: () => run.printed().log + run.printed().stdout,
    stderr: () => run.printed().stderr,
    async stop() {
      run.stop();
      await run.outcome;
    },
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
