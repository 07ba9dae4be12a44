import { pbkdf2Sync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditLogEntry, User, type EntityManager } from "../src/db/index.js";
import { hashPassword, LEGACY_PASSWORD_ITERATIONS } from "../src/crypto/index.js";
import { TEST_DIALECTS } from "./support/database.js";
import { createUserWithRoles, loginAs, type Identity } from "./support/identities.js";
import { startWarden, type TestWarden } from "./support/warden.js";

// The one auth test at the real cost: the seed's hashes have 480,000 iterations, the service 600,000.
const CONFIGURED_ITERATIONS = 600_000;

/** What the previous (Python, passlib) implementation stored. */
function passlibHash(password: string, iterations: number): string {
  const ab64 = (bytes: Buffer) => bytes.toString("base64").replace(/=+$/, "").replaceAll("+", ".");
  const salt = Buffer.from("legacy-salt-0123");
  return `$pbkdf2-sha256$${iterations}$${ab64(salt)}$${ab64(pbkdf2Sync(password, salt, iterations, 32, "sha256"))}`;
}

describe.each(TEST_DIALECTS)("Login upgrades legacy password hashes (%s)", (dialect) => {
  let warden: TestWarden;
  const em = () => warden.server.orm.em.fork() as EntityManager;
  const storedHash = async (id: string) => ((await em().findOne(User, { id }, { disableIdentityMap: true })) as User).passwordHash;

  beforeAll(async () => {
    warden = await startWarden(dialect, { env: { PASSWORD_ITERATIONS: String(CONFIGURED_ITERATIONS), LOGIN_RATE_LIMIT_PER_MINUTE: "1000" } });
  });
  afterAll(() => warden?.stop());

  async function userWithHash(hash: (password: string) => string | Promise<string>): Promise<Identity> {
    const user = await createUserWithRoles(warden, { roles: ["VIEWER"] });
    await em().nativeUpdate(User, { id: user.userId }, { passwordHash: await hash(user.password) });
    return user;
  }

  it("verifies a 480,000-iteration PHC hash and stores a 600,000-iteration one on success", async () => {
    const user = await userWithHash((password) => hashPassword(password, LEGACY_PASSWORD_ITERATIONS));
    const version = ((await em().findOne(User, { id: user.userId })) as User).version;
    await loginAs(warden, user.username, user.password);
    expect(await storedHash(user.userId)).toMatch(/^\$pbkdf2-sha256\$i=600000,l=32\$/);
    // Still the same password, and the upgrade is not an edit of the user.
    await loginAs(warden, user.username, user.password);
    expect(((await em().findOne(User, { id: user.userId }, { disableIdentityMap: true })) as User).version).toBe(version);
    const audit = await em().findOne(AuditLogEntry, { action: "auth.login.succeeded", resourceId: user.userId }, { orderBy: { revision: "asc" } });
    expect(audit?.details).toMatchObject({ passwordHashUpgraded: true });
  });

  it("verifies passlib's form (the previous implementation's seed) and rewrites it in PHC form", async () => {
    const user = await userWithHash((password) => passlibHash(password, LEGACY_PASSWORD_ITERATIONS));
    await loginAs(warden, user.username, user.password);
    expect(await storedHash(user.userId)).toMatch(/^\$pbkdf2-sha256\$i=600000,l=32\$/);
  });

  it("leaves the hash alone after a failed login", async () => {
    const user = await userWithHash((password) => hashPassword(password, LEGACY_PASSWORD_ITERATIONS));
    const before = await storedHash(user.userId);
    await expect(loginAs(warden, user.username, `${user.password}!`)).rejects.toMatchObject({ code: 16 });
    expect(await storedHash(user.userId)).toBe(before);
  });
});
