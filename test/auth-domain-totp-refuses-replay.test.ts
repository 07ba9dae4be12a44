import { generate } from "otplib";
import { describe, expect, it } from "vitest";
import { createTotp } from "../src/auth/domain/index.js";

const PERIOD = 30;
// Ten seconds into a time step, so ±1 step is unambiguous.
const NOW_SECONDS = 1_900_000_000 - (1_900_000_000 % PERIOD) + 10;
const CURRENT_STEP = Math.floor(NOW_SECONDS / PERIOD);

const totp = createTotp({ issuer: "Warden", now: () => NOW_SECONDS * 1000 });
const secret = totp.generateSecret();

function codeForStep(step: number): Promise<string> {
  return generate({ secret, epoch: step * PERIOD });
}

describe("TOTP", () => {
  it("accepts a valid code once and refuses the same step again", async () => {
    const code = await codeForStep(CURRENT_STEP);
    const first = await totp.verify(secret, code, null);
    expect(first).toEqual({ valid: true, step: CURRENT_STEP });
    expect(await totp.verify(secret, code, CURRENT_STEP)).toEqual({ valid: false });
  });

  it("accepts the previous and the next step", async () => {
    expect(await totp.verify(secret, await codeForStep(CURRENT_STEP - 1), null)).toEqual({
      valid: true,
      step: CURRENT_STEP - 1,
    });
    expect(await totp.verify(secret, await codeForStep(CURRENT_STEP + 1), null)).toEqual({
      valid: true,
      step: CURRENT_STEP + 1,
    });
  });

  it("refuses codes two steps away", async () => {
    expect(await totp.verify(secret, await codeForStep(CURRENT_STEP - 2), null)).toEqual({ valid: false });
    expect(await totp.verify(secret, await codeForStep(CURRENT_STEP + 2), null)).toEqual({ valid: false });
  });

  it("refuses a code from a step before the last used one, and accepts a later one", async () => {
    expect(await totp.verify(secret, await codeForStep(CURRENT_STEP - 1), CURRENT_STEP)).toEqual({ valid: false });
    expect(await totp.verify(secret, await codeForStep(CURRENT_STEP), CURRENT_STEP - 1)).toEqual({
      valid: true,
      step: CURRENT_STEP,
    });
  });

  it("refuses every code when the last used step lies beyond the window", async () => {
    expect(await totp.verify(secret, await codeForStep(CURRENT_STEP + 1), CURRENT_STEP + 1)).toEqual({ valid: false });
    expect(await totp.verify(secret, await codeForStep(CURRENT_STEP), CURRENT_STEP + 50)).toEqual({ valid: false });
  });

  it.each(["", "12345", "1234567", "abcdef", " 123456", "123 456", "１２３４５６"])(
    "treats %j as invalid without throwing",
    async (code) => {
      expect(await totp.verify(secret, code, null)).toEqual({ valid: false });
    },
  );

  it("refuses a code for another secret", async () => {
    const code = await codeForStep(CURRENT_STEP);
    expect(await totp.verify(totp.generateSecret(), code, null)).toEqual({ valid: false });
  });

  it("generates 160-bit base32 secrets and an otpauth URI naming issuer and account", () => {
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(totp.generateSecret()).not.toBe(secret);
    const uri = new URL(totp.uri(secret, "alice@example.com"));
    expect(uri.protocol).toBe("otpauth:");
    expect(uri.host).toBe("totp");
    expect(decodeURIComponent(uri.pathname)).toBe("/Warden:alice@example.com");
    expect(uri.searchParams.get("secret")).toBe(secret);
    expect(uri.searchParams.get("issuer")).toBe("Warden");
  });
});
