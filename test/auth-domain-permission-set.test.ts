import { describe, expect, it } from "vitest";
import { apiKeyPermissions, effectivePermissions, ungrantablePermissions } from "../src/auth/domain/index.js";

const grants = new Map<string, ReadonlySet<string>>([
  ["MANAGER", new Set(["settings:read", "settings:write", "flags:read", "users:read"])],
  ["VIEWER", new Set(["settings:read", "flags:read", "audit:read"])],
]);

describe("permission sets", () => {
  it("unions the grants of every role, ignoring unknown roles", () => {
    expect(effectivePermissions(["MANAGER", "VIEWER", "GHOST"], grants)).toEqual(
      new Set(["settings:read", "settings:write", "flags:read", "users:read", "audit:read"]),
    );
    expect(effectivePermissions([], grants)).toEqual(new Set());
  });

  it("limits an API key to what its owner holds now", () => {
    const key = ["settings:read", "settings:write"];
    expect(apiKeyPermissions(key, new Set(["settings:read", "settings:write", "flags:read"]))).toEqual(new Set(key));
    expect(apiKeyPermissions(key, new Set(["settings:read"]))).toEqual(new Set(["settings:read"]));
    expect(apiKeyPermissions(key, new Set())).toEqual(new Set());
  });

  it("lists the requested permissions a granter lacks", () => {
    const granter = new Set(["settings:read", "flags:read"]);
    expect(ungrantablePermissions(granter, ["flags:read", "settings:read"])).toEqual([]);
    expect(ungrantablePermissions(granter, ["users:admin", "flags:read", "audit:read", "users:admin"])).toEqual([
      "audit:read",
      "users:admin",
    ]);
  });
});
