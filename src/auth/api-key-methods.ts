import { BlockList, isIP } from "node:net";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { AuthService } from "../../gen/warden/auth/v1/auth_service_pb.js";
import { auditActorOf } from "../audit/index.js";
import { generateApiKey, type GeneratedApiKey } from "../crypto/index.js";
import { ApiKey, appendAuditEvent, type EntityManager } from "../db/index.js";
import { DomainError, invalidArgument, type FieldViolation } from "../errors/index.js";
import { findApiKeyById, isApiKeyPrefixTaken, listApiKeysOfUser } from "./api-key-repository.js";
import {
  announce,
  assertCanGrant,
  entityManagerOf,
  inTransaction,
  requireId,
  userCallerOf,
} from "./management-checks.js";
import type { ManagementDependencies } from "./management-dependencies.js";
import { toApiKeyMessage } from "./proto-mappers.js";
import { findPermissionsByName } from "./role-repository.js";

type ApiKeyMethods = Pick<ServiceImpl<typeof AuthService>, "createApiKey" | "listApiKeys" | "revokeApiKey">;

const MAX_NAME_LENGTH = 128;
const MAX_CIDRS = 100;
/** Anyone holding this may revoke anyone's key (e.g. one that leaked); otherwise keys are their owner's. */
const REVOKE_ANY_KEY_PERMISSION = "users:admin";
const PREFIX_ATTEMPTS = 5;

/**
 * API keys, created by a user session for itself. A key lists its permissions explicitly; each must be
 * one the owner holds now (and the authenticator cuts the list down to what the owner holds at each
 * call). The full key is in the CreateApiKey response only: at rest there is its prefix (to find and
 * show it) and a keyed hash of the whole key. ListApiKeys shows the caller's own keys; RevokeApiKey
 * revokes one's own, or anyone's with `users:admin`. For anyone else a key that is not theirs answers
 * PERMISSION_DENIED whether it exists or not (AIP-193).
 */
export function createApiKeyMethods(deps: ManagementDependencies): ApiKeyMethods {
  return {
    async createApiKey(request, context) {
      const caller = userCallerOf(context);
      const now = new Date();
      const violations: FieldViolation[] = [];
      const name = request.name.trim();
      if (name === "") violations.push({ field: "name", reason: "REQUIRED", description: "is required" });
      else if ([...name].length > MAX_NAME_LENGTH) {
        violations.push({ field: "name", reason: "TOO_LONG", description: `must be at most ${MAX_NAME_LENGTH} characters` });
      }
      if (request.permissions.length === 0) {
        violations.push({ field: "permissions", reason: "REQUIRED", description: "must list at least one permission" });
      }
      request.permissions.forEach((permission, index) => {
        if (permission === "") violations.push({ field: `permissions[${index}]`, reason: "REQUIRED", description: "must not be empty" });
      });
      const { cidrs, violations: cidrViolations } = parseCidrs(request.allowedCidrs);
      violations.push(...cidrViolations);
      if (request.rateLimitPerHour < 0) {
        violations.push({ field: "rate_limit_per_hour", reason: "NEGATIVE", description: "must not be negative (0 = no limit)" });
      }
      let expiresAt: Date | null = null;
      if (request.expireTime !== undefined) {
        expiresAt = timestampDate(request.expireTime);
        if (Number.isNaN(expiresAt.getTime()) || expiresAt <= now) {
          violations.push({ field: "expire_time", reason: "NOT_IN_FUTURE", description: "must be in the future" });
        }
      }
      if (violations.length > 0) throw invalidArgument(violations);

      const em = entityManagerOf(context);
      const permissions = [...new Set(request.permissions)].sort();
      const known = new Set((await findPermissionsByName(em, permissions)).map((permission) => permission.name));
      const unknown = request.permissions.flatMap((permission, index): FieldViolation[] =>
        known.has(permission) ? [] : [{ field: `permissions[${index}]`, reason: "UNKNOWN_PERMISSION", description: `no permission "${permission}"` }],
      );
      if (unknown.length > 0) throw invalidArgument(unknown);
      assertCanGrant(caller, permissions);

      const material = await freshKeyMaterial(em);
      const actor = auditActorOf(context);
      const key = await inTransaction(em, async (tx) => {
        const created = tx.create(ApiKey, {
          user: caller.userId,
          name,
          prefix: material.prefix,
          // The WHOLE key string `wdn_<prefix>_<secret>` is hashed; the authenticator verifies
          // with `apiKeyHasher.verify(<whole key>, row.keyHash)`.
          keyHash: deps.apiKeyHasher.hash(material.key),
          permissions,
          allowedCidrs: cidrs,
          // 0 means no per-key limit; the column stores that as null (its check wants > 0).
          rateLimitPerHour: request.rateLimitPerHour > 0 ? request.rateLimitPerHour : null,
          expiresAt,
        });
        await tx.flush();
        await appendAuditEvent(tx, {
          ...actor,
          action: "api_key.created",
          resourceType: "api_key",
          resourceId: created.id,
          // Never the key or its hash; the prefix is public (it is shown in listings).
          details: {
            name,
            prefix: created.prefix,
            owner_user_id: caller.userId,
            permissions,
            allowed_cidrs: cidrs,
            rate_limit_per_hour: request.rateLimitPerHour,
            expire_time: expiresAt?.toISOString() ?? null,
          },
        });
        return created;
      });
      await announce(deps.notifier, { kind: "api-key", id: key.id });
      return { apiKey: toApiKeyMessage(key), key: material.key };
    },

    async listApiKeys(request, context) {
      const caller = userCallerOf(context);
      const keys = await listApiKeysOfUser(entityManagerOf(context), caller.userId, {
        includeInactive: request.includeInactive,
        now: new Date(),
      });
      return { apiKeys: keys.map((key) => toApiKeyMessage(key)) };
    },

    async revokeApiKey(request, context) {
      const caller = userCallerOf(context);
      const id = requireId(request.apiKeyId, "api_key_id");
      const mayRevokeAny = caller.permissions.has(REVOKE_ANY_KEY_PERMISSION);
      const em = entityManagerOf(context);
      const actor = auditActorOf(context);
      const result = await inTransaction(em, async (tx) => {
        const key = await findApiKeyById(tx, id);
        if (key === null || (key.user.id !== caller.userId && !mayRevokeAny)) {
          if (mayRevokeAny) throw new DomainError("not-found", "API_KEY_NOT_FOUND", "API key not found", { metadata: { api_key_id: id } });
          throw new DomainError("permission-denied", "PERMISSION_DENIED", "you may revoke only your own API keys", {
            metadata: { permission: REVOKE_ANY_KEY_PERMISSION },
          });
        }
        if (key.revokedAt != null) return { key, changed: false };
        await appendAuditEvent(tx, {
          ...actor,
          action: "api_key.revoked",
          resourceType: "api_key",
          resourceId: key.id,
          details: { name: key.name, prefix: key.prefix, owner_user_id: key.user.id },
        });
        key.revokedAt = new Date();
        await tx.flush();
        return { key, changed: true };
      });
      if (result.changed) await announce(deps.notifier, { kind: "api-key", id });
      return { apiKey: toApiKeyMessage(result.key) };
    },
  };
}

/** A key whose prefix no other key has (36^8 prefixes: a collision is rare, but the prefix is unique). */
async function freshKeyMaterial(em: EntityManager): Promise<GeneratedApiKey> {
  for (let attempt = 0; attempt < PREFIX_ATTEMPTS; attempt++) {
    const material = generateApiKey();
    if (!(await isApiKeyPrefixTaken(em, material.prefix))) return material;
  }
  throw new DomainError("unavailable", "KEY_GENERATION_FAILED", "could not generate a unique API key; retry");
}

/**
 * Source networks as `<address>/<prefix length>`, IPv4 or IPv6; a bare address means that host only
 * (/32 or /128). Stored normalized (lower-case, always with a prefix length) so the authenticator
 * parses one form.
 */
export function parseCidrs(values: readonly string[]): { cidrs: string[]; violations: FieldViolation[] } {
  const violations: FieldViolation[] = [];
  const cidrs: string[] = [];
  if (values.length > MAX_CIDRS) {
    violations.push({ field: "allowed_cidrs", reason: "TOO_MANY", description: `must list at most ${MAX_CIDRS} networks` });
    return { cidrs, violations };
  }
  values.forEach((value, index) => {
    const cidr = normalizeCidr(value.trim());
    if (cidr === undefined) {
      violations.push({
        field: `allowed_cidrs[${index}]`,
        reason: "INVALID_CIDR",
        description: "must be an IPv4 or IPv6 network such as 10.0.0.0/8 or 2001:db8::/32",
      });
    } else if (!cidrs.includes(cidr)) {
      cidrs.push(cidr);
    }
  });
  return { cidrs, violations };
}

function normalizeCidr(value: string): string | undefined {
  const [address = "", prefixText, ...rest] = value.split("/");
  if (rest.length > 0 || address.includes("%")) return undefined;
  const family = isIP(address);
  if (family === 0) return undefined;
  const maxPrefix = family === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? maxPrefix : Number(prefixText);
  if (prefix > maxPrefix) return undefined;
  try {
    new BlockList().addSubnet(address, prefix, family === 4 ? "ipv4" : "ipv6");
  } catch {
    return undefined;
  }
  return `${address.toLowerCase()}/${prefix}`;
}
