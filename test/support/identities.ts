import { randomBytes } from "node:crypto";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { generate as generateTotp } from "otplib";
import { AuthService } from "../../gen/warden/auth/v1/auth_service_pb.js";
import { createAccount, createAccountDependencies, type AccountDependencies } from "../../src/auth/index.js";
import { createUnitOfWork } from "../../src/db/index.js";
import type { GrpcClient } from "../../src/transport/index.js";
import type { Dialect } from "./database.js";
import { startWarden, type TestWarden } from "./warden.js";

/**
 * Environment for startWarden that keeps auth tests fast: cheap password hashes (the config's
 * minimum outside production) and a per-IP login limit no test reaches by accident (every test
 * client is 127.0.0.1). Spread it first, then override: `{ ...FAST_AUTH_ENV, MAX_FAILED_LOGINS: "3" }`.
 */
export const FAST_AUTH_ENV: Readonly<Record<string, string>> = {
  PASSWORD_ITERATIONS: "1000",
  LOGIN_RATE_LIMIT_PER_MINUTE: "100000",
};

/** A password the policy accepts: 24 random base64url characters. */
export function strongPassword(): string {
  return `${randomBytes(18).toString("base64url")}`;
}

export interface Identity {
  readonly userId: string;
  readonly username: string;
  readonly email: string;
  readonly password: string;
}

export interface NewIdentity {
  /** Defaults to a unique name. */
  readonly username?: string;
  readonly email?: string;
  /** Defaults to strongPassword(). */
  readonly password?: string;
  /** Role names, e.g. ["ADMIN"]; [] for none. */
  readonly roles: readonly string[];
}

let counter = 0;
// Building the password policy loads dictionaries (~0.1-0.4 s): once per test file (and iteration count).
const accountDependencies = new Map<number, Promise<AccountDependencies>>();

function accountDependenciesFor(passwordIterations: number): Promise<AccountDependencies> {
  let deps = accountDependencies.get(passwordIterations);
  if (deps === undefined) {
    deps = createAccountDependencies(passwordIterations);
    accountDependencies.set(passwordIterations, deps);
  }
  return deps;
}

/** A user with roles, created the way `warden create-admin` creates one (the CreateUser use case, as the system). */
export async function createUserWithRoles(warden: TestWarden, identity: NewIdentity): Promise<Identity> {
  counter += 1;
  const username = identity.username ?? `user${counter}-${randomBytes(3).toString("hex")}`;
  const email = identity.email ?? `${username.toLowerCase()}@example.test`;
  const password = identity.password ?? strongPassword();
  const deps = await accountDependenciesFor(warden.config.security.passwordIterations);
  const uow = createUnitOfWork(() => warden.server.orm.em.fork());
  const { userId } = await createAccount(deps, uow, { username, email, password, roles: identity.roles }, "test");
  return { userId, username, email, password };
}

export interface LoggedIn {
  readonly userId: string;
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly accessTokenExpiresAt: Timestamp | undefined;
  readonly sessionId: string;
  /** gRPC metadata that authenticates as this session. */
  readonly metadata: { readonly authorization: string };
}

export interface LoginExtras {
  readonly totpCode?: string;
  readonly recoveryCode?: string;
  readonly deviceName?: string;
}

/** Logs in through the real Login RPC (username or email). */
export async function loginAs(warden: TestWarden, login: string, password: string, extras: LoginExtras = {}): Promise<LoggedIn> {
  const response = await warden.grpc(AuthService).login({ login, password, ...extras });
  return {
    userId: response.user?.id ?? "",
    accessToken: response.accessToken,
    refreshToken: response.refreshToken,
    accessTokenExpiresAt: response.accessTokenExpiresAt,
    sessionId: response.sessionId,
    metadata: { authorization: `Bearer ${response.accessToken}` },
  };
}

export interface Caller extends Identity, LoggedIn {
  /** An AuthService client calling as this session. */
  readonly auth: GrpcClient<typeof AuthService>;
}

/** A new user with the roles, logged in: the usual way a test gets a caller. */
export async function createCaller(warden: TestWarden, identity: NewIdentity): Promise<Caller> {
  const created = await createUserWithRoles(warden, identity);
  const session = await loginAs(warden, created.username, created.password);
  return { ...created, ...session, auth: warden.grpc(AuthService, session.metadata) };
}

export interface WardenWithAdmin {
  readonly warden: TestWarden;
  /** A logged-in ADMIN. */
  readonly admin: Caller;
}

/** A Warden on a fresh database of the dialect with FAST_AUTH_ENV (and `env` over it), and an ADMIN caller. */
export async function startWardenWithAdmin(dialect: Dialect, env: Readonly<Record<string, string>> = {}): Promise<WardenWithAdmin> {
  const warden = await startWarden(dialect, { env: { ...FAST_AUTH_ENV, ...env } });
  try {
    return { warden, admin: await createCaller(warden, { roles: ["ADMIN"] }) };
  } catch (error) {
    await warden.stop();
    throw error;
  }
}

export interface CreatedApiKey {
  readonly apiKeyId: string;
  /** The full key, `wdn_<prefix>_<secret>`. */
  readonly key: string;
  readonly prefix: string;
  readonly metadata: { readonly "x-api-key": string };
}

export interface NewApiKey {
  readonly name?: string;
  readonly permissions: readonly string[];
  readonly allowedCidrs?: readonly string[];
  readonly rateLimitPerHour?: number;
  readonly expireTime?: Timestamp;
}

/** An API key of the logged-in owner, through the real CreateApiKey RPC. */
export async function createApiKey(warden: TestWarden, owner: LoggedIn, apiKey: NewApiKey): Promise<CreatedApiKey> {
  const response = await warden.grpc(AuthService, owner.metadata).createApiKey({
    name: apiKey.name ?? `key-${randomBytes(3).toString("hex")}`,
    permissions: [...apiKey.permissions],
    allowedCidrs: [...(apiKey.allowedCidrs ?? [])],
    rateLimitPerHour: apiKey.rateLimitPerHour ?? 0,
    ...(apiKey.expireTime !== undefined && { expireTime: apiKey.expireTime }),
  });
  return {
    apiKeyId: response.apiKey?.id ?? "",
    key: response.key,
    prefix: response.apiKey?.prefix ?? "",
    metadata: { "x-api-key": response.key },
  };
}

const TOTP_PERIOD_SECONDS = 30;

/**
 * Waits, if need be, until the current 30-second TOTP step has at least `secondsLeft` to run, and
 * returns it: a test can then use the codes of this step and the ones either side (the server
 * accepts ±1 step) without the step changing under it.
 */
export async function freshTotpStep(secondsLeft = 5): Promise<number> {
  const intoStep = (Date.now() / 1000) % TOTP_PERIOD_SECONDS;
  if (TOTP_PERIOD_SECONDS - intoStep < secondsLeft) {
    await new Promise((resolve) => setTimeout(resolve, (TOTP_PERIOD_SECONDS - intoStep) * 1000 + 50));
  }
  return Math.floor(Date.now() / 1000 / TOTP_PERIOD_SECONDS);
}

/** The TOTP code of `secret` for a time step. */
export function totpCode(secret: string, step: number): Promise<string> {
  return generateTotp({ secret, epoch: step * TOTP_PERIOD_SECONDS });
}
