import { generateSecret, generateURI, verify } from "otplib";

export type TotpVerification = { readonly valid: true; readonly step: number } | { readonly valid: false };

export interface Totp {
  /** Base32, 160 bits. */
  generateSecret(): string;
  /** The `otpauth://totp/...` URI an authenticator app scans. */
  uri(secret: string, accountName: string): string;
  /**
   * Accepts a code from the current 30-second step or one step either side, but never for a step
   * at or before `lastUsedStep`. The caller stores the returned step as the new `lastUsedStep`.
   */
  verify(secret: string, code: string, lastUsedStep: number | null): Promise<TotpVerification>;
}

export interface TotpOptions {
  readonly issuer: string;
  /** Milliseconds since the epoch. */
  readonly now?: () => number;
}

const PERIOD_SECONDS = 30;
const CODE_FORM = /^\d{6}$/;
const INVALID: TotpVerification = { valid: false };

export function createTotp({ issuer, now = Date.now }: TotpOptions): Totp {
  return {
    generateSecret: () => generateSecret(),

    uri: (secret, accountName) => generateURI({ issuer, label: accountName, secret }),

    async verify(secret, code, lastUsedStep) {
      if (!CODE_FORM.test(code)) return INVALID;
      const epoch = Math.floor(now() / 1000);
      const latestAcceptableStep = Math.floor(epoch / PERIOD_SECONDS) + 1;
      // otplib throws when afterTimeStep lies beyond the window; here that just means every step was used.
      if (lastUsedStep !== null && lastUsedStep >= latestAcceptableStep) return INVALID;
      const result = await verify({
        secret,
        token: code,
        epoch,
        period: PERIOD_SECONDS,
        epochTolerance: PERIOD_SECONDS,
        ...(lastUsedStep === null ? {} : { afterTimeStep: lastUsedStep }),
      });
      // The functional API types its result as TOTP-or-HOTP; only the TOTP branch has timeStep.
      return result.valid && "timeStep" in result ? { valid: true, step: result.timeStep } : INVALID;
    },
  };
}
