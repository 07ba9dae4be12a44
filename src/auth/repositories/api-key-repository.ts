import { ApiKey, type EntityManager } from "../../db/index.js";

/** API key rows, as the management use cases and the access directory look them up. */

export function findApiKeyById(em: EntityManager, id: string): Promise<ApiKey | null> {
  return em.findOne(ApiKey, { id });
}

/** The key with this (unique) prefix: how the access directory finds the key a call presents. */
export function findApiKeyByPrefix(em: EntityManager, prefix: string): Promise<ApiKey | null> {
  return em.findOne(ApiKey, { prefix });
}

export async function isApiKeyPrefixTaken(em: EntityManager, prefix: string): Promise<boolean> {
  return (await em.count(ApiKey, { prefix })) > 0;
}

/** A user's keys, newest first; without `includeInactive`, only the unrevoked, unexpired ones. */
export function listApiKeysOfUser(
  em: EntityManager,
  userId: string,
  options: { readonly includeInactive: boolean; readonly now: Date },
): Promise<ApiKey[]> {
  return em.find(
    ApiKey,
    options.includeInactive
      ? { user: userId }
      : { user: userId, revokedAt: null, $or: [{ expiresAt: null }, { expiresAt: { $gt: options.now } }] },
    { orderBy: { createdAt: "desc", id: "asc" } },
  );
}

/** The user's keys that still work: revoked together when the user is deactivated. */
export function findUnrevokedApiKeysOfUser(em: EntityManager, userId: string): Promise<ApiKey[]> {
  return em.find(ApiKey, { user: userId, revokedAt: null });
}
