import type { DescMethod } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Health } from "../gen/grpc/health/v1/health_pb.js";
import { accessRuleOf, PUBLIC_RULE } from "../src/guards/index.js";
import { TEST_DIALECTS } from "./support/database.js";
import { firstAnswer, type FirstAnswer } from "./support/first-answer.js";
import { createApiKey, createCaller, FAST_AUTH_ENV } from "./support/identities.js";
import { startWarden, type TestWarden } from "./support/warden.js";

/**
 * The access rule of every RPC, written out by hand from DESIGN.md section 2 so that a changed proto
 * option or a new RPC without an entry fails here. "public", "authenticated", "self" (authenticated,
 * user session only) or a permission.
 */
const EXPECTED_RULES: Record<string, string> = {
  "grpc.health.v1.Health/Check": "public",
  "grpc.health.v1.Health/Watch": "public",
  "grpc.health.v1.Health/List": "public",

  "warden.auth.v1.AuthService/Login": "public",
  "warden.auth.v1.AuthService/Refresh": "public",
  "warden.auth.v1.AuthService/GetJwks": "public",
  "warden.auth.v1.AuthService/WhoAmI": "authenticated",
  "warden.auth.v1.AuthService/ListSessions": "self",
  "warden.auth.v1.AuthService/RevokeSession": "self",
  "warden.auth.v1.AuthService/RevokeOtherSessions": "self",
  "warden.auth.v1.AuthService/ChangePassword": "self",
  "warden.auth.v1.AuthService/EnrollTotp": "self",
  "warden.auth.v1.AuthService/ConfirmTotp": "self",
  "warden.auth.v1.AuthService/DisableTotp": "self",
  "warden.auth.v1.AuthService/CreateApiKey": "self",
  "warden.auth.v1.AuthService/ListApiKeys": "self",
  "warden.auth.v1.AuthService/RevokeApiKey": "self",
  "warden.auth.v1.AuthService/ListUserSessions": "users:admin",
  "warden.auth.v1.AuthService/RevokeUserSessions": "users:admin",
  "warden.auth.v1.AuthService/ResetUserTotp": "users:admin",
  "warden.auth.v1.AuthService/CreateUser": "users:write",
  "warden.auth.v1.AuthService/GetUser": "users:read",
  "warden.auth.v1.AuthService/ListUsers": "users:read",
  "warden.auth.v1.AuthService/UpdateUser": "users:write",
  "warden.auth.v1.AuthService/DeactivateUser": "users:delete",
  "warden.auth.v1.AuthService/LockUser": "users:admin",
  "warden.auth.v1.AuthService/UnlockUser": "users:admin",
  "warden.auth.v1.AuthService/AssignRole": "users:admin",
  "warden.auth.v1.AuthService/RevokeRole": "users:admin",
  "warden.auth.v1.AuthService/ListRoles": "roles:read",
  "warden.auth.v1.AuthService/GetRole": "roles:read",
  "warden.auth.v1.AuthService/ListPermissions": "roles:read",
  "warden.auth.v1.AuthService/CreateRole": "roles:admin",
  "warden.auth.v1.AuthService/UpdateRole": "roles:admin",
  "warden.auth.v1.AuthService/DeleteRole": "roles:admin",
  // Called last (see below): it ends the session every other row uses.
  "warden.auth.v1.AuthService/Logout": "self",

  "warden.settings.v1.SettingsService/GetSetting": "settings:read",
  "warden.settings.v1.SettingsService/ListSettings": "settings:read",
  "warden.settings.v1.SettingsService/ListSettingHistory": "settings:read",
  "warden.settings.v1.SettingsService/WatchSettings": "settings:read",
  "warden.settings.v1.SettingsService/CreateSetting": "settings:write",
  "warden.settings.v1.SettingsService/UpdateSetting": "settings:write",
  "warden.settings.v1.SettingsService/DeleteSetting": "settings:delete",
  "warden.settings.v1.SettingsService/RevealSetting": "settings:admin",
  "warden.settings.v1.SettingsService/RollbackSetting": "settings:admin",
  "warden.settings.v1.SettingsService/RotateEncryptionKey": "settings:admin",

  "warden.flags.v1.FlagService/GetFlag": "flags:read",
  "warden.flags.v1.FlagService/ListFlags": "flags:read",
  "warden.flags.v1.FlagService/EvaluateFlag": "flags:read",
  "warden.flags.v1.FlagService/WatchFlags": "flags:read",
  "warden.flags.v1.FlagService/CreateFlag": "flags:write",
  "warden.flags.v1.FlagService/UpdateFlag": "flags:write",
  "warden.flags.v1.FlagService/ToggleFlag": "flags:write",
  "warden.flags.v1.FlagService/DeleteFlag": "flags:write",

  "warden.audit.v1.AuditService/ListAuditEvents": "audit:read",
  "warden.audit.v1.AuditService/GetAuditEvent": "audit:read",
  "warden.audit.v1.AuditService/VerifyAuditChain": "audit:read",

  "flagd.evaluation.v1.Service/ResolveAll": "flags:read",
  "flagd.evaluation.v1.Service/ResolveBoolean": "flags:read",
  "flagd.evaluation.v1.Service/ResolveString": "flags:read",
  "flagd.evaluation.v1.Service/ResolveFloat": "flags:read",
  "flagd.evaluation.v1.Service/ResolveInt": "flags:read",
  "flagd.evaluation.v1.Service/ResolveObject": "flags:read",
  "flagd.evaluation.v1.Service/EventStream": "flags:read",
  "flagd.sync.v1.FlagSyncService/SyncFlags": "flags:read",
  "flagd.sync.v1.FlagSyncService/FetchAllFlags": "flags:read",
  "flagd.sync.v1.FlagSyncService/GetMetadata": "flags:read",
};

/** DESIGN.md section 2, the grant table. */
const ROLE_PERMISSIONS: Record<string, readonly string[]> = {
  ADMIN: [
    "settings:read", "settings:write", "settings:delete", "settings:admin", "flags:read", "flags:write",
    "users:read", "users:write", "users:delete", "users:admin", "roles:read", "roles:admin", "audit:read",
  ],
  MANAGER: [
    "settings:read", "settings:write", "settings:delete", "flags:read", "flags:write",
    "users:read", "users:write", "users:delete", "roles:read", "audit:read",
  ],
  OPERATOR: ["settings:read", "settings:write", "flags:read", "flags:write"],
  VIEWER: ["settings:read", "flags:read", "audit:read"],
};

type Verdict = "allowed" | "UNAUTHENTICATED" | "PERMISSION_DENIED";

interface Subject {
  readonly name: string;
  readonly kind: "anonymous" | "user" | "api-key";
  readonly permissions: readonly string[];
}

/** The callers, one test each; their credentials are made once the server runs. */
const SUBJECTS: readonly Subject[] = [
  { name: "anonymous", kind: "anonymous", permissions: [] },
  ...Object.entries(ROLE_PERMISSIONS).map(([role, permissions]): Subject => ({ name: role, kind: "user", permissions })),
  { name: "api key (flags:read)", kind: "api-key", permissions: ["flags:read"] },
];

function expectedVerdict(rule: string, subject: Subject): Verdict {
  if (rule === "public") return "allowed";
  if (subject.kind === "anonymous") return "UNAUTHENTICATED";
  if (rule === "authenticated") return "allowed";
  if (rule === "self") return subject.kind === "user" ? "allowed" : "PERMISSION_DENIED";
  return subject.permissions.includes(rule) ? "allowed" : "PERMISSION_DENIED";
}

/**
 * Whether the guards let a call with an empty request through. Public methods (Login, Refresh)
 * may answer UNAUTHENTICATED themselves; elsewhere that code, like PERMISSION_DENIED, can only
 * come from the guards for an empty request. A stream that delivers a message, or stays open
 * without a status, was let through.
 */
function verdictOf(answer: FirstAnswer, rule: string): Verdict {
  if (answer.kind !== "status") return "allowed";
  if (answer.code === grpc.status.PERMISSION_DENIED) return "PERMISSION_DENIED";
  if (answer.code === grpc.status.UNAUTHENTICATED && rule !== "public") return "UNAUTHENTICATED";
  return "allowed";
}

function describeAnswer(answer: FirstAnswer): string {
  return answer.kind === "status" ? `${grpc.status[answer.code]} "${answer.details}"` : `a stream that was ${answer.kind === "message" ? "sent a message" : "left open"}`;
}

describe.each(TEST_DIALECTS)("access matrix on %s", (dialect) => {
  let warden: TestWarden;
  let client: grpc.Client;
  let methods: DescMethod[];
  const metadataOf = new Map<string, Record<string, string>>();

  beforeAll(async () => {
    warden = await startWarden(dialect, { env: FAST_AUTH_ENV });
    client = new grpc.Client(warden.grpcAddress, grpc.credentials.createInsecure());
    methods = warden.server.app.services.flatMap(({ service }) => service.methods);
    for (const subject of SUBJECTS) {
      if (subject.kind === "user") {
        const caller = await createCaller(warden, { roles: [subject.name] });
        metadataOf.set(subject.name, { ...caller.metadata });
      } else if (subject.kind === "api-key") {
        const owner = await createCaller(warden, { roles: ["VIEWER"] });
        const key = await createApiKey(warden, owner, { permissions: [...subject.permissions] });
        metadataOf.set(subject.name, { ...key.metadata });
      } else {
        metadataOf.set(subject.name, {});
      }
    }
  });
  afterAll(async () => {
    client?.close();
    await warden?.stop();
  });

  it("has an entry for every RPC of every registered service, and no other", () => {
    const registered = methods.map((method) => `${method.parent.typeName}/${method.name}`).sort();
    expect(Object.keys(EXPECTED_RULES).sort()).toEqual(registered);
  });

  it("matches the rule each RPC declares in its proto", () => {
    const foreign = new Map([[Health.typeName, PUBLIC_RULE]]);
    for (const method of methods) {
      const declared = accessRuleOf(method, foreign);
      const requirement = declared?.requirement;
      const described =
        requirement?.case === "public" ? "public"
        : requirement?.case === "permission" ? requirement.value
        : requirement?.case === "authenticated" ? (declared?.userSessionOnly ? "self" : "authenticated")
        : "none";
      expect({ method: method.name, rule: described }).toEqual({
        method: method.name,
        rule: EXPECTED_RULES[`${method.parent.typeName}/${method.name}`],
      });
    }
  });

  // One test per caller, all at once; each caller's calls run in parallel too, but Logout (which
  // ends the session every other call of the caller uses) only after all the others.
  it.for(SUBJECTS)(
    "lets $name through exactly where the access table says",
    { concurrent: true, timeout: 60_000 },
    async (subject, { expect }) => {
      const metadata = metadataOf.get(subject.name) ?? {};
      const check = async (method: DescMethod): Promise<string | undefined> => {
        const rule = EXPECTED_RULES[`${method.parent.typeName}/${method.name}`] ?? "missing";
        const expected = expectedVerdict(rule, subject);
        const answer = await firstAnswer(client, method, { metadata });
        const actual = verdictOf(answer, rule);
        return actual === expected
          ? undefined
          : `${subject.name} -> ${method.parent.name}/${method.name} (rule ${rule}): expected ${expected}, got ${actual} (${describeAnswer(answer)})`;
      };
      const isLogout = (method: DescMethod) => method.name === "Logout";
      const mismatches = await Promise.all(methods.filter((method) => !isLogout(method)).map(check));
      for (const method of methods.filter(isLogout)) mismatches.push(await check(method));
      expect(mismatches.filter((mismatch) => mismatch !== undefined)).toEqual([]);
    },
  );
});
