import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../gen/warden/auth/v1/auth_service_pb.js";
import { User } from "../src/db/index.js";
import { TEST_DIALECTS } from "./support/database.js";
import { grpcFailure } from "./support/grpc-failure.js";
import { createCaller, loginAs, startWardenWithAdmin, strongPassword, type Caller } from "./support/identities.js";
import type { TestWarden } from "./support/warden.js";

describe.each(TEST_DIALECTS)("CreateUser on %s", (dialect) => {
  let warden: TestWarden;
  let admin: Caller;
  let manager: Caller;
  beforeAll(async () => {
    ({ warden, admin } = await startWardenWithAdmin(dialect));
    manager = await createCaller(warden, { roles: ["MANAGER"] });
  });
  afterAll(() => warden?.stop());

  it("refuses a weak password with one BadRequest violation per broken rule", async () => {
    const failure = await grpcFailure(
      admin.auth.createUser({ username: "carol.weak", email: "carol@example.test", password: "carol.weak1" }),
    );
    expect(failure.code).toBe(Code.InvalidArgument);
    expect(failure.reason).toBe("INVALID_ARGUMENT");
    expect(failure.violations).toEqual(
      expect.arrayContaining(["password: TOO_SHORT", "password: TOO_WEAK", "password: CONTAINS_USERNAME", "password: CONTAINS_EMAIL"]),
    );
    expect(failure.message).not.toContain("carol.weak1");
  });

  it("refuses a common password and one containing the email's local part", async () => {
    expect((await grpcFailure(admin.auth.createUser({ username: "dave", email: "dave@example.test", password: "password1234" }))).violations).toEqual(
      expect.arrayContaining(["password: COMMON_PASSWORD"]),
    );
    expect(
      (await grpcFailure(admin.auth.createUser({ username: "erin", email: "sunflower.z@example.test", password: "Xq9!sunflower.z#Lk2" })))
        .violations,
    ).toContain("password: CONTAINS_EMAIL");
  });

  it("reports a malformed username and email together with the password problems", async () => {
    const failure = await grpcFailure(admin.auth.createUser({ username: "a b", email: "not-an-email", password: "short" }));
    expect(failure.code).toBe(Code.InvalidArgument);
    expect(failure.violations).toEqual(
      expect.arrayContaining(["username: INVALID_USERNAME", "email: INVALID_EMAIL", "password: TOO_SHORT"]),
    );
    const empty = await grpcFailure(admin.auth.createUser({}));
    expect(empty.violations).toEqual(expect.arrayContaining(["username: REQUIRED", "email: REQUIRED"]));
  });

  it("creates a VIEWER by default, stores the email lower-case and hashes with the configured cost", async () => {
    const password = strongPassword();
    const { user } = await admin.auth.createUser({ username: "Frank_1", email: "  Frank.One@Example.TEST ", password });
    expect(user).toMatchObject({ username: "Frank_1", email: "frank.one@example.test", active: true, locked: false, roles: ["VIEWER"] });
    expect(user?.version).toBe(1n);

    const row = await warden.server.orm.em.fork().findOneOrFail(User, { id: user?.id ?? "" });
    expect(row.passwordHash).toMatch(/^\$pbkdf2-sha256\$i=1000,/);
    expect(row.passwordHash).not.toContain(password);

    const session = await loginAs(warden, "frank.one@example.test", password);
    expect(session.userId).toBe(user?.id);
  });

  it("answers ALREADY_EXISTS with the reason for a taken username (any case) or email, never INTERNAL", async () => {
    await admin.auth.createUser({ username: "grace", email: "grace@example.test", password: strongPassword() });
    const username = await grpcFailure(admin.auth.createUser({ username: "GRACE", email: "other@example.test", password: strongPassword() }));
    expect(username).toMatchObject({ code: Code.AlreadyExists, reason: "USERNAME_TAKEN" });
    const email = await grpcFailure(admin.auth.createUser({ username: "grace2", email: "Grace@Example.test", password: strongPassword() }));
    expect(email).toMatchObject({ code: Code.AlreadyExists, reason: "EMAIL_TAKEN" });
  });

  it("answers ALREADY_EXISTS, not INTERNAL, when the same user is created twice at once", async () => {
    const request = { username: "henry", email: "henry@example.test", password: strongPassword() };
    const outcomes = await Promise.allSettled([admin.auth.createUser(request), admin.auth.createUser(request)]);
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
    const rejected = outcomes.find((outcome) => outcome.status === "rejected");
    expect((rejected?.reason as { code: number }).code).toBe(Code.AlreadyExists);
  });

  it("assigns explicit roles only for users:admin, and never roles with permissions the caller lacks", async () => {
    const { user } = await admin.auth.createUser({ username: "ivan", email: "ivan@example.test", password: strongPassword(), roles: ["OPERATOR", "VIEWER"] });
    expect(user?.roles).toEqual(["OPERATOR", "VIEWER"]);

    const byManager = await grpcFailure(
      manager.auth.createUser({ username: "judy", email: "judy@example.test", password: strongPassword(), roles: ["ADMIN"] }),
    );
    expect(byManager).toMatchObject({ code: Code.PermissionDenied, reason: "PERMISSION_DENIED", metadata: { permission: "users:admin" } });

    // The default role needs no users:admin: a MANAGER holds every VIEWER permission.
    const { user: viewer } = await manager.auth.createUser({ username: "judy", email: "judy@example.test", password: strongPassword() });
    expect(viewer?.roles).toEqual(["VIEWER"]);

    const unknown = await grpcFailure(
      admin.auth.createUser({ username: "kim", email: "kim@example.test", password: strongPassword(), roles: ["VIEWER", "NO_SUCH_ROLE"] }),
    );
    expect(unknown).toMatchObject({ code: Code.InvalidArgument, violations: ["roles[1]: UNKNOWN_ROLE"] });
  });

  it("is refused to callers without users:write before any validation", async () => {
    const viewer = await createCaller(warden, { roles: ["VIEWER"] });
    const failure = await grpcFailure(viewer.auth.createUser({ username: "x" }));
    expect(failure).toMatchObject({ code: Code.PermissionDenied, reason: "PERMISSION_DENIED" });
    expect(
      await grpcFailure(warden.grpc(AuthService).createUser({ username: "mallory", email: "m@example.test", password: strongPassword() })),
    ).toMatchObject({ code: Code.Unauthenticated });
  });
});
