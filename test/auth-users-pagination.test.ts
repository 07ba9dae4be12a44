import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ListUsersRequestSchema } from "../gen/warden/auth/v1/auth_service_pb.js";
import { decodePageToken, encodePageToken, pageSizeOf } from "../src/db/index.js";
import { TEST_DIALECTS } from "./support/database.js";
import { grpcFailure } from "./support/grpc-failure.js";
import { createCaller, createUserWithRoles, FAST_AUTH_ENV, type Caller } from "./support/identities.js";
import { startWarden, type TestWarden } from "./support/warden.js";

describe("pageSizeOf and page tokens", () => {
  it("defaults 0 to 50, caps at 1000 and refuses negatives on page_size", () => {
    expect(pageSizeOf(0)).toBe(50);
    expect(pageSizeOf(7)).toBe(7);
    expect(pageSizeOf(1000)).toBe(1000);
    expect(pageSizeOf(5000)).toBe(1000);
    expect(() => pageSizeOf(-1)).toThrow(expect.objectContaining({ kind: "invalid-argument", details: { fieldViolations: [expect.objectContaining({ field: "page_size" })] } }));
  });

  it("round-trips a cursor and refuses garbage, foreign and out-of-scope tokens", () => {
    const read = (cursor: Record<string, unknown>) => (typeof cursor["u"] === "string" ? cursor["u"] : undefined);
    const token = encodePageToken({ u: "alice" }, { scope: "a" });
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodePageToken(token, read, { scope: "a" })).toBe("alice");
    expect(decodePageToken("", read, { scope: "a" })).toBeUndefined();
    for (const garbage of [
      "not a token!",
      "bm90IGpzb24",
      Buffer.from("[1,2]").toString("base64url"),
      Buffer.from('{"v":1,"s":"x","c":{}}').toString("base64url"),
      encodePageToken({ other: 1 }, { scope: "a" }),
      encodePageToken({ u: "alice" }, { scope: "b" }),
      "A".repeat(5000),
    ]) {
      expect(() => decodePageToken(garbage, read, { scope: "a" }), garbage.slice(0, 40)).toThrow(
        expect.objectContaining({ kind: "invalid-argument" }),
      );
    }
  });
});

type ListUsersInit = MessageInitShape<typeof ListUsersRequestSchema>;

describe.each(TEST_DIALECTS)("ListUsers pagination on %s", (dialect) => {
  let warden: TestWarden;
  let admin: Caller;
  const created: string[] = [];
  beforeAll(async () => {
    warden = await startWarden(dialect, { env: FAST_AUTH_ENV });
    admin = await createCaller(warden, { username: "pg-admin", roles: ["ADMIN"] });
    for (let index = 0; index < 9; index++) {
      const roles = index % 3 === 0 ? ["OPERATOR"] : ["VIEWER"];
      const { username } = await createUserWithRoles(warden, { username: `pg-user-${index}`, email: `member${index}@Corp.example`, roles });
      created.push(username);
    }
    // A name that needs LIKE escaping: '%' and '_' in the query are literal.
    await createUserWithRoles(warden, { username: "pg_under", email: "under@example.test", roles: ["VIEWER"] });
  });
  afterAll(() => warden?.stop());

  const list = (request: ListUsersInit) => admin.auth.listUsers(request);

  async function walk(request: ListUsersInit): Promise<{ usernames: string[]; pages: number }> {
    const usernames: string[] = [];
    let pageToken = request.pageToken ?? "";
    let pages = 0;
    do {
      const page = await list({ ...request, pageToken });
      usernames.push(...page.users.map((user) => user.username));
      pageToken = page.nextPageToken;
      pages += 1;
      expect(pages).toBeLessThan(100);
    } while (pageToken !== "");
    return { usernames, pages };
  }

  it("serves every user exactly once, in a stable order, across pages of any size", async () => {
    const all = await list({ pageSize: 0 });
    expect(all.nextPageToken).toBe("");
    const everyone = all.users.map((user) => user.username);
    expect(everyone).toEqual(expect.arrayContaining([...created, "pg-admin"]));

    for (const pageSize of [1, 2, 4, 1000, 5000]) {
      const { usernames, pages } = await walk({ pageSize });
      expect(usernames).toEqual(everyone);
      expect(pages).toBe(Math.max(1, Math.ceil(everyone.length / Math.min(pageSize, 1000))));
    }
  });

  it("keeps going correctly when users are added between pages", async () => {
    const first = await list({ pageSize: 3, query: "pg-user" });
    await createUserWithRoles(warden, { username: "pg-user-0a", email: "late@example.test", roles: ["VIEWER"] });
    const rest = await walk({ pageSize: 3, query: "pg-user", pageToken: first.nextPageToken });
    const seen = [...first.users.map((user) => user.username), ...rest.usernames];
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(created));
  });

  it("refuses a negative page size on page_size", async () => {
    const failure = await grpcFailure(list({ pageSize: -1 }));
    expect(failure).toMatchObject({ code: Code.InvalidArgument, violations: ["page_size: NEGATIVE_PAGE_SIZE"] });
  });

  it("refuses garbage and tampered page tokens with INVALID_ARGUMENT on page_token", async () => {
    for (const pageToken of ["garbage!", "eyJ2IjoxfQ", "x".repeat(3000)]) {
      const failure = await grpcFailure(list({ pageSize: 2, pageToken }));
      expect(failure).toMatchObject({ code: Code.InvalidArgument, violations: ["page_token: INVALID_PAGE_TOKEN"] });
    }
  });

  it("refuses a token presented with other filters than it was issued for", async () => {
    const page = await list({ pageSize: 2, role: "VIEWER" });
    expect(page.nextPageToken).not.toBe("");
    const failure = await grpcFailure(list({ pageSize: 2, role: "OPERATOR", pageToken: page.nextPageToken }));
    expect(failure).toMatchObject({ code: Code.InvalidArgument, violations: ["page_token: INVALID_PAGE_TOKEN"] });
    // The page size may change between pages.
    await expect(list({ pageSize: 5, role: "VIEWER", pageToken: page.nextPageToken })).resolves.toBeDefined();
  });

  it("filters by a case-insensitive substring of username or email, by role, and hides the inactive", async () => {
    expect((await walk({ pageSize: 2, query: "CORP.EXAMPLE" })).usernames.sort()).toEqual([...created].sort());
    expect((await list({ query: "PG-USER-4" })).users.map((user) => user.username)).toEqual(["pg-user-4"]);
    expect((await list({ query: "pg_" })).users.map((user) => user.username)).toEqual(["pg_under"]);
    expect((await list({ query: "%" })).users).toEqual([]);

    const operators = (await walk({ pageSize: 1, role: "OPERATOR" })).usernames;
    expect(operators).toEqual(["pg-user-0", "pg-user-3", "pg-user-6"]);
    expect((await list({ role: "NO_SUCH_ROLE" })).users).toEqual([]);

    const target = (await list({ query: "pg-user-3" })).users[0];
    await admin.auth.deactivateUser({ userId: target?.id ?? "" });
    expect((await list({ role: "OPERATOR" })).users.map((user) => user.username)).toEqual(["pg-user-0", "pg-user-6"]);
    const withInactive = await list({ role: "OPERATOR", includeInactive: true });
    expect(withInactive.users.map((user) => [user.username, user.active])).toEqual([
      ["pg-user-0", true],
      ["pg-user-3", false],
      ["pg-user-6", true],
    ]);
  });

  it("returns each user with its roles", async () => {
    const { users } = await list({ query: "pg-user-6" });
    expect(users[0]?.roles).toEqual(["OPERATOR"]);
  });
});
