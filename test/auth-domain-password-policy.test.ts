import { describe, expect, it } from "vitest";
import { createPasswordPolicy } from "../src/auth/domain/index.js";
import { DomainError } from "../src/errors/index.js";

const policy = createPasswordPolicy();
const owner = { username: "alice.smith", email: "bob.jones@example.com" };
const STRONG = "Quartz-lantern-91-oblique";

function reasons(password: string, who = owner): string[] {
  return policy.check(password, who).map((violation) => violation.reason ?? "");
}

describe("password policy", () => {
  it("accepts a long, unpredictable password", () => {
    expect(policy.check(STRONG, owner)).toEqual([]);
    expect(() => policy.assert(STRONG, owner)).not.toThrow();
  });

  it("refuses fewer than 12 characters, counting code points rather than UTF-16 units", () => {
    expect(reasons("Qz7#lantern")).toContain("TOO_SHORT");
    const fruit = "🍎🍌🍇🍉🍓🍒🍑🍍🥝🥥🥑🍆";
    expect(reasons(fruit)).not.toContain("TOO_SHORT");
    expect(reasons([...fruit].slice(0, 11).join(""))).toContain("TOO_SHORT");
  });

  it("refuses more than 128 characters, counting code points", () => {
    expect(reasons(`${STRONG}-`.repeat(6).slice(0, 129))).toContain("TOO_LONG");
    expect(reasons(`${STRONG}-`.repeat(6).slice(0, 128))).not.toContain("TOO_LONG");
    expect(reasons("🍎🍌🍇🍉🍓🍒🍑🍍".repeat(16))).not.toContain("TOO_LONG");
  });

  it("refuses a password that is easy to guess, saying why", () => {
    const [violation] = policy.check("aaaaaaaaaaaaaaaa", owner);
    expect(violation).toMatchObject({ field: "password", reason: "TOO_WEAK" });
    expect(violation?.description).toMatch(/easy to guess/);
    expect(reasons("p4ssw0rd!2024")).toContain("TOO_WEAK");
  });

  it("refuses a password containing the username, in any case", () => {
    expect(reasons("Xk9!ALICE.smith#7zrQ")).toEqual(["CONTAINS_USERNAME"]);
  });

  it("refuses a password containing the email's local part, in any case", () => {
    expect(reasons("Xk9!Bob.Jones#7zrQw")).toEqual(["CONTAINS_EMAIL"]);
  });

  it("ignores usernames and local parts shorter than 3 characters", () => {
    expect(reasons(`al${STRONG}`, { username: "al", email: "bo@example.com" })).toEqual([]);
    expect(reasons(`bo${STRONG}`, { username: "al", email: "bo@example.com" })).toEqual([]);
  });

  it("refuses a password on the common-password list, in any case", () => {
    expect(reasons("qwerty123456")).toContain("COMMON_PASSWORD");
    expect(reasons("QWERTY123456")).toContain("COMMON_PASSWORD");
    expect(reasons(STRONG)).not.toContain("COMMON_PASSWORD");
  });

  it("reports every broken rule under the field the caller names, with a description", () => {
    const violations = policy.check("alice.smith", owner, "new_password");
    expect(violations.map((violation) => violation.reason)).toEqual(
      expect.arrayContaining(["TOO_SHORT", "TOO_WEAK", "CONTAINS_USERNAME"]),
    );
    for (const violation of violations) {
      expect(violation.field).toBe("new_password");
      expect(violation.description.length).toBeGreaterThan(10);
      expect(violation.reason).toMatch(/^[A-Z]+(_[A-Z]+)*$/);
    }
  });

  it("assert throws INVALID_ARGUMENT with the violations and without the password", () => {
    const password = "qwerty123456";
    let thrown: unknown;
    try {
      policy.assert(password, owner);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DomainError);
    const error = thrown as DomainError;
    expect(error.kind).toBe("invalid-argument");
    expect(error.details.fieldViolations?.map((violation) => violation.reason)).toContain("COMMON_PASSWORD");
    expect(error.message).not.toContain(password);
  });

  it("checks a crafted l33t-heavy password in bounded time", () => {
    const crafted = "p@ssw0rd".repeat(16);
    const started = performance.now();
    expect(reasons(crafted)).toContain("TOO_WEAK");
    // Unbounded, this input took ~16 s; the bound is generous for slow CI machines.
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
