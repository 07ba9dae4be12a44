import { invalidArgument, type FieldViolation } from "../../errors/index.js";

const MAX_LOGIN_LENGTH = 254;
/** Far above the policy's 128: old passwords may be longer; anything beyond is not a password. */
const MAX_PASSWORD_LENGTH = 1024;
const MAX_CODE_LENGTH = 64;
const MAX_DEVICE_NAME_LENGTH = 128;

/** What a login presents. */
export interface LoginRequest {
  readonly login: string;
  readonly password: string;
  /** Empty when none is given; likewise the recovery code and the device name. */
  readonly totpCode: string;
  readonly recoveryCode: string;
  readonly deviceName: string;
}

/** A login request within bounds, normalized: what the login use case works with. */
export interface ValidLoginRequest {
  readonly login: string;
  readonly password: string;
  readonly totpCode: string;
  readonly recoveryCode: string;
  readonly deviceName: string | null;
}

/**
 * Checks the lengths before any lookup or hashing (throwing every violation at once) and trims
 * what is typed by hand: the login, the TOTP code and the device name.
 */
export function validateLoginRequest(request: LoginRequest): ValidLoginRequest {
  const violations: FieldViolation[] = [];
  const check = (field: string, value: string, max: number, required: boolean) => {
    if (required && value.trim() === "") violations.push({ field, reason: "REQUIRED", description: "is required" });
    else if (value.length > max) violations.push({ field, reason: "TOO_LONG", description: `must be at most ${max} characters` });
  };
  check("login", request.login, MAX_LOGIN_LENGTH, true);
  check("password", request.password, MAX_PASSWORD_LENGTH, true);
  check("totp_code", request.totpCode, MAX_CODE_LENGTH, false);
  check("recovery_code", request.recoveryCode, MAX_CODE_LENGTH, false);
  check("device_name", request.deviceName, MAX_DEVICE_NAME_LENGTH, false);
  if (violations.length > 0) throw invalidArgument(violations);
  return {
    login: request.login.trim(),
    password: request.password,
    totpCode: request.totpCode.trim(),
    recoveryCode: request.recoveryCode,
    deviceName: request.deviceName.trim() || null,
  };
}
