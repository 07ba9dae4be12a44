import type { BlockList } from "node:net";
import type { Logger } from "pino";
import type { ChangeNotifier, EntityManager, Orm } from "../db/index.js";
import { subscribeToAccessChanges, type AccessChange } from "./access-events.js";
import { blockListOf, effectivePermissions } from "./domain/index.js";
import { findApiKeyByPrefix } from "./repositories/api-key-repository.js";
import { loadRoleGrants } from "./repositories/role-repository.js";
import { findSessionsRevokedSince } from "./repositories/session-repository.js";
import { findUserById, roleNamesOf } from "./repositories/user-repository.js";

/** What authentication needs to know about a user, as of the last change announced. */
export interface DirectoryUser {
  readonly id: string;
  readonly username: string;
  readonly roles: readonly string[];
  readonly isActive: boolean;
  /** Locked by an administrator. */
  readonly isLocked: boolean;
  /** End of an automatic lockout (failed logins); it blocks logins, not existing sessions. */
  readonly lockedUntil: Date | null;
}

/** What authentication needs to know about an API key. */
export interface DirectoryApiKey {
  readonly id: string;
  readonly prefix: string;
  readonly keyHash: string;
  readonly userId: string;
  readonly permissions: readonly string[];
  /** Undefined: any source address. */
  readonly allowedSources: BlockList | undefined;
  readonly rateLimitPerHour: number | null;
  readonly expiresAt: Date | null;
  readonly revokedAt: Date | null;
}

/**
 * The in-memory view of access control every authenticated call reads, so that no call pays a
 * database round trip: role grants (loaded whole), users and API keys (loaded on first use) and
 * the sessions revoked recently enough to matter. Every instance keeps it coherent through access
 * change notifications (see access-events.ts), and reloads everything when its notifier
 * reconnects, since notifications may have been missed meanwhile.
 */
export interface AccessDirectory {
  /** The permissions the roles grant now; the returned set is shared: do not modify it. */
  permissionsOf(roles: readonly string[]): ReadonlySet<string>;
  /** Undefined for an unknown user. */
  user(id: string): Promise<DirectoryUser | undefined>;
  /** Undefined for an unknown prefix. */
  apiKey(prefix: string): Promise<DirectoryApiKey | undefined>;
  isSessionRevoked(sessionId: string): boolean;
  /** Records revocations this instance made, ahead of their notification. */
  noteRevokedSessions(sessionIds: readonly string[]): void;
  close(): void;
}

export interface AccessDirectoryOptions {
  readonly orm: Orm;
  readonly notifier: ChangeNotifier;
  readonly logger: Logger;
  /**
   * How long a revocation matters: the access-token lifetime plus clock tolerance. Tokens of a
   * session revoked longer ago have all expired, so older revocations need not be held.
   */
  readonly revocationWindowSeconds: number;
  /** Most users and API keys held at once; the least recently loaded go first. */
  readonly maxCachedEntries?: number;
}

const DEFAULT_MAX_CACHED_ENTRIES = 50_000;
const PRUNE_INTERVAL_MS = 60_000;

export async function createAccessDirectory(options: AccessDirectoryOptions): Promise<AccessDirectory> {
  const { orm, notifier, logger } = options;
  const windowMs = options.revocationWindowSeconds * 1000;
  const maxEntries = options.maxCachedEntries ?? DEFAULT_MAX_CACHED_ENTRIES;
  const fork = (): EntityManager => orm.em.fork();

  let grants = new Map<string, Set<string>>();
  let permissionsByRoles = new Map<string, ReadonlySet<string>>();
  // Promises, so concurrent calls share one load; an entry dropped while its load is in flight is
  // simply not found by later calls, which load afresh.
  const users = new Map<string, Promise<DirectoryUser | undefined>>();
  const apiKeysByPrefix = new Map<string, Promise<DirectoryApiKey | undefined>>();
  const apiKeyPrefixById = new Map<string, string>();
  /** Revoked session id -> when its revocation stops mattering (ms since the epoch). */
  const revokedSessions = new Map<string, number>();

  let grantsLoad: Promise<void> | undefined;
  let grantsStale = false;
  const reloadGrants = (): Promise<void> => {
    if (grantsLoad !== undefined) {
      grantsStale = true;
      return grantsLoad;
    }
    grantsLoad = (async () => {
      try {
        do {
          grantsStale = false;
          grants = await loadRoleGrants(fork());
          permissionsByRoles = new Map();
        } while (grantsStale);
      } finally {
        grantsLoad = undefined;
      }
    })();
    return grantsLoad;
  };

  const loadRevokedSessions = async (): Promise<void> => {
    const now = Date.now();
    const rows = await findSessionsRevokedSince(fork(), new Date(now - windowMs));
    for (const row of rows) {
      const until = (row.revokedAt?.getTime() ?? now) + windowMs;
      if ((revokedSessions.get(row.id) ?? 0) < until) revokedSessions.set(row.id, until);
    }
  };

  const noteRevoked = (sessionId: string): void => {
    revokedSessions.set(sessionId, Date.now() + windowMs);
  };

  const dropApiKey = (id: string): void => {
    const prefix = apiKeyPrefixById.get(id);
    apiKeyPrefixById.delete(id);
    if (prefix !== undefined) apiKeysByPrefix.delete(prefix);
  };

  const reportFailure = (what: string) => (error: unknown) => {
    logger.error({ err: error }, `access directory: ${what} failed`);
  };

  const onChange = (change: AccessChange): void => {
    switch (change.kind) {
      case "user":
        users.delete(change.id);
        return;
      case "api-key":
        dropApiKey(change.id);
        return;
      case "session-revoked":
        noteRevoked(change.id);
        return;
      case "roles":
        // A role's removal also changes what cached users hold.
        users.clear();
        reloadGrants().catch(reportFailure("reloading role grants"));
        return;
    }
  };

  const unsubscribe = subscribeToAccessChanges(notifier, onChange);
  const stopReconnectListener = notifier.onReconnect(() => {
    users.clear();
    apiKeysByPrefix.clear();
    apiKeyPrefixById.clear();
    reloadGrants().catch(reportFailure("reloading role grants"));
    loadRevokedSessions().catch(reportFailure("reloading revoked sessions"));
  });
  try {
    await Promise.all([reloadGrants(), loadRevokedSessions()]);
  } catch (error) {
    unsubscribe();
    stopReconnectListener();
    throw error;
  }

  const pruner = setInterval(() => {
    const now = Date.now();
    for (const [id, until] of revokedSessions) if (until <= now) revokedSessions.delete(id);
  }, PRUNE_INTERVAL_MS);
  pruner.unref();

  const cached = <T>(map: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> => {
    let entry = map.get(key);
    if (entry === undefined) {
      if (map.size >= maxEntries) {
        const oldest = map.keys().next();
        if (oldest.done !== true) map.delete(oldest.value);
      }
      entry = load();
      map.set(key, entry);
      const settled = entry;
      settled.catch(() => {
        if (map.get(key) === settled) map.delete(key);
      });
    }
    return entry;
  };

  return {
    permissionsOf(roles) {
      const key = roles.join("\n");
      let permissions = permissionsByRoles.get(key);
      if (permissions === undefined) {
        permissions = effectivePermissions(roles, grants);
        permissionsByRoles.set(key, permissions);
      }
      return permissions;
    },

    user: (id) => cached(users, id, () => loadUser(fork(), id)),

    async apiKey(prefix) {
      const entry = cached(apiKeysByPrefix, prefix, async () => {
        const key = await loadApiKey(fork(), prefix);
        if (key !== undefined) apiKeyPrefixById.set(key.id, prefix);
        return key;
      });
      const key = await entry;
      // Unknown prefixes are not kept: anyone can send them, and a key may be created later.
      if (key === undefined && apiKeysByPrefix.get(prefix) === entry) apiKeysByPrefix.delete(prefix);
      return key;
    },

    isSessionRevoked: (sessionId) => revokedSessions.has(sessionId),

    noteRevokedSessions(sessionIds) {
      for (const id of sessionIds) noteRevoked(id);
    },

    close() {
      clearInterval(pruner);
      unsubscribe();
      stopReconnectListener();
    },
  };
}

async function loadUser(em: EntityManager, id: string): Promise<DirectoryUser | undefined> {
  const user = await findUserById(em, id);
  if (user === null) return undefined;
  return {
    id: user.id,
    username: user.username,
    roles: await roleNamesOf(em, id),
    isActive: user.isActive,
    isLocked: user.isLocked,
    lockedUntil: user.lockedUntil ?? null,
  };
}

async function loadApiKey(em: EntityManager, prefix: string): Promise<DirectoryApiKey | undefined> {
  const key = await findApiKeyByPrefix(em, prefix);
  if (key === null) return undefined;
  return {
    id: key.id,
    prefix: key.prefix,
    keyHash: key.keyHash,
    userId: key.user.id,
    permissions: [...key.permissions],
    allowedSources: blockListOf(key.allowedCidrs),
    rateLimitPerHour: key.rateLimitPerHour ?? null,
    expiresAt: key.expiresAt ?? null,
    revokedAt: key.revokedAt ?? null,
  };
}
