import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../gen/warden/auth/v1/auth_service_pb.js";
import { loadConfig } from "../src/config/index.js";
import { AuditLogEntry, type EntityManager } from "../src/db/index.js";
import { runCliCommand, type CliOutcome } from "./support/cli.js";
import type { TestDatabase } from "./support/database.js";
import { grpcFailure } from "./support/grpc-failure.js";
import { FAST_AUTH_ENV, loginAs, strongPassword } from "./support/identities.js";
import { startWarden } from "./support/warden.js";

let directory: string;
let database: TestDatabase;

/** `warden create-admin ...` on the test's SQLite file; stdin is a pipe, not a terminal. */
function createAdminCommand(args: string[], env: Record<string, string> = {}): Promise<CliOutcome> {
  return runCliCommand(["create-admin", ...args], { DATABASE_FILENAME: join(directory, "data.db"), ...FAST_AUTH_ENV, ...env });
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "warden-create-admin-"));
  database = {
    dialect: "sqlite",
    config: loadConfig({ DATABASE_FILENAME: join(directory, "data.db") }).database,
    drop: () => Promise.resolve(),
  };
});
afterAll(() => rm(directory, { recursive: true, force: true }));

describe("warden create-admin", { timeout: 90_000 }, () => {
  const givenPassword = strongPassword();
  let generatedPassword = "";

  it("creates an ADMIN with the password from WARDEN_ADMIN_PASSWORD, on a database it migrates first, without printing it", async () => {
    const outcome = await createAdminCommand(["--username", "root", "--email", "Root@Example.com"], {
      WARDEN_ADMIN_PASSWORD: givenPassword,
    });
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toMatch(/^created ADMIN user root \([0-9a-f-]{36}\)$/m);
    expect(outcome.stdout + outcome.stderr).not.toContain(givenPassword);
  });

  it("generates a password when none is given and stdin is not a terminal, and prints it exactly once", async () => {
    const outcome = await createAdminCommand(["--username", "ops", "--email", "ops@example.com"]);
    expect(outcome.code).toBe(0);
    const match = /^password: (\S+)$/m.exec(outcome.stdout);
    generatedPassword = match?.[1] ?? "";
    expect(generatedPassword.length).toBeGreaterThanOrEqual(24);
    expect(outcome.stdout.split(generatedPassword)).toHaveLength(2);
  });

  it("refuses a weak password (naming the rules, not the password), a taken name, and missing options", async () => {
    // The usage error needs no database, so it can run beside the others.
    const [weak, usage] = await Promise.all([
      createAdminCommand(["--username", "weak", "--email", "weak@example.com"], { WARDEN_ADMIN_PASSWORD: "password123" }),
      createAdminCommand(["--username", "nobody"]),
    ]);
    expect(weak.code).toBe(1);
    expect(weak.stderr).toMatch(/password: .*common/);
    expect(weak.stderr).not.toContain("password123");
    const taken = await createAdminCommand(["--username", "root", "--email", "other@example.com"], { WARDEN_ADMIN_PASSWORD: strongPassword() });
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain("already taken");
    expect(usage.code).toBe(2);
  });

  it("the admins it created log in at once, hold every permission, and their creation is audited as the system's", async () => {
    const warden = await startWarden("sqlite", { database, env: { ...FAST_AUTH_ENV } });
    try {
      const root = await loginAs(warden, "root@example.com", givenPassword);
      const me = await warden.grpc(AuthService, root.metadata).whoAmI({});
      expect(me.user?.roles).toEqual(["ADMIN"]);
      expect(me.user?.email).toBe("root@example.com");
      expect(me.permissions).toContain("users:admin");
      await loginAs(warden, "ops", generatedPassword);
      expect((await grpcFailure(loginAs(warden, "weak", "password123"))).reason).toBe("INVALID_CREDENTIALS");
      const em = warden.server.orm.em.fork() as EntityManager;
      const created = await em.find(AuditLogEntry, { action: "user.created" }, { orderBy: { revision: "asc" } });
      expect(created.map((row) => [row.actorLabel, row.details?.["username"], row.details?.["via"]])).toEqual([
        ["system", "root", "create-admin"],
        ["system", "ops", "create-admin"],
      ]);
      expect(warden.logs.join("\n")).not.toContain(givenPassword);
    } finally {
      await warden.stop();
    }
  });
});
