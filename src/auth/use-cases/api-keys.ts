import { generateApiKey, type GeneratedApiKey } from "../../crypto/index.js";
import { ApiKey, type EntityManager, type PermissionName, type UnitOfWork } from "../../db/index.js";
import { DomainError, invalidArgument } from "../../errors/index.js";
import type { Actor, UserPrincipal } from "../../guards/index.js";
import { publishAccessChanges } from "../access-events.js";
import type { AuthDependencies } from "../auth-dependencies.js";
import { requireId, unknownPermissionViolations, validateApiKeySpec, type ApiKeySpec } from "../domain/index.js";
import { findApiKeyById, isApiKeyPrefixTaken, listApiKeysOfUser } from "../repositories/api-key-repository.js";
import { findPermissionsByName } from "../repositories/role-repository.js";
import { assertCanGrant } from "./management-rules.js";

/**
 * API keys, created by a user session for itself. A key lists its permissions explicitly; each must be
 * one the owner holds now (and the authenticator cuts the list down to what the owner holds at each
 * call). The full key is in the CreateApiKey result only: at rest there is its prefix (to find and
 * show it) and a keyed hash of the whole key. ListApiKeys shows the caller's own keys; RevokeApiKey
 * revokes one's own, or anyone's with `users:admin`. For anyone else a key that is not theirs answers
 * PERMISSION_DENIED whether it exists or not (AIP-193).
 */

export interface CreatedApiKey {
  readonly apiKey: ApiKey;
  /** The whole key `wdn_<prefix>_<secret>`: shown this once, never stored. */
  readonly key: string;
}

/** Anyone holding this may revoke anyone's key (e.g. one that leaked); otherwise keys are their owner's. */
const REVOKE_ANY_KEY_PERMISSION: PermissionName = "users:admin";
const PREFIX_ATTEMPTS = 5;

export async function createApiKey(
  deps: Pick<AuthDependencies, "apiKeyHasher">,
  uow: UnitOfWork,
  actor: Actor<UserPrincipal>,
  input: ApiKeySpec,
): Promise<CreatedApiKey> {
  const owner = actor.principal;
  const { name, permissions, cidrs, expiresAt } = validateApiKeySpec(input, new Date());
  const known = new Set((await findPermissionsByName(uow.em, permissions)).map((permission) => permission.name));
  const unknown = unknownPermissionViolations(input.permissions, known);
  if (unknown.length > 0) throw invalidArgument(unknown);
  assertCanGrant(owner, permissions);

  const material = await freshKeyMaterial(uow.em);
  const apiKey = await uow.write(async (tx) => {
    const created = tx.em.create(ApiKey, {
      user: owner.userId,
      name,
      prefix: material.prefix,
      // The WHOLE key string `wdn_<prefix>_<secret>` is hashed; the authenticator verifies
      // with `apiKeyHasher.verify(<whole key>, row.keyHash)`.
      keyHash: deps.apiKeyHasher.hash(material.key),
      permissions,
      allowedCidrs: cidrs,
      // 0 means no per-key limit; the column stores that as null (its check wants > 0).
      rateLimitPerHour: input.rateLimitPerHour > 0 ? input.rateLimitPerHour : null,
      expiresAt,
    });
    await tx.em.flush();
    await tx.audit(actor, {
      action: "api_key.created",
      resourceType: "api_key",
      resourceId: created.id,
      // Never the key or its hash; the prefix is public (it is shown in listings).
      details: {
        name,
        prefix: created.prefix,
        owner_user_id: owner.userId,
        permissions,
        allowed_cidrs: cidrs,
        rate_limit_per_hour: input.rateLimitPerHour,
        expire_time: expiresAt?.toISOString() ?? null,
      },
    });
    await publishAccessChanges(tx, { kind: "api-key", id: created.id });
    return created;
  });
  return { apiKey, key: material.key };
}

/** The caller's own keys, newest first; without `includeInactive`, only those that still work. */
export function listApiKeys(uow: UnitOfWork, actor: Actor<UserPrincipal>, input: { readonly includeInactive: boolean }): Promise<ApiKey[]> {
  return listApiKeysOfUser(uow.em, actor.principal.userId, { includeInactive: input.includeInactive, now: new Date() });
}

/** Revokes one's own key, or anyone's with `users:admin`; revoking a revoked key changes nothing. */
export async function revokeApiKey(uow: UnitOfWork, actor: Actor<UserPrincipal>, input: { readonly apiKeyId: string }): Promise<ApiKey> {
  const caller = actor.principal;
  const id = requireId("api_key_id", input.apiKeyId);
  const mayRevokeAny = caller.permissions.has(REVOKE_ANY_KEY_PERMISSION);
  return uow.write(async (tx) => {
    const key = await findApiKeyById(tx.em, id);
    if (key === null || (key.user.id !== caller.userId && !mayRevokeAny)) {
      if (mayRevokeAny) throw new DomainError("not-found", "API_KEY_NOT_FOUND", "API key not found", { metadata: { api_key_id: id } });
      throw new DomainError("permission-denied", "PERMISSION_DENIED", "you may revoke only your own API keys", {
        metadata: { permission: REVOKE_ANY_KEY_PERMISSION },
      });
    }
    if (key.revokedAt != null) return key;
    await tx.audit(actor, {
      action: "api_key.revoked",
      resourceType: "api_key",
      resourceId: key.id,
      details: { name: key.name, prefix: key.prefix, owner_user_id: key.user.id },
    });
    key.revokedAt = new Date();
    await tx.em.flush();
    await publishAccessChanges(tx, { kind: "api-key", id });
    return key;
  });
}

/** A key whose prefix no other key has (36^8 prefixes: a collision is rare, but the prefix is unique). */
async function freshKeyMaterial(em: EntityManager): Promise<GeneratedApiKey> {
  for (let attempt = 0; attempt < PREFIX_ATTEMPTS; attempt++) {
    const material = generateApiKey();
    if (!(await isApiKeyPrefixTaken(em, material.prefix))) return material;
  }
  throw new DomainError("unavailable", "KEY_GENERATION_FAILED", "could not generate a unique API key; retry");
}
