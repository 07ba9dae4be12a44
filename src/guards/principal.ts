/** Who is calling. Set by the authenticate guard; read by handlers through `principalKey`. */
export type Principal = AnonymousPrincipal | UserPrincipal | ApiKeyPrincipal | SystemPrincipal;

/** A principal that is somebody (or something): what use cases that change things act for. */
export type Caller = UserPrincipal | ApiKeyPrincipal | SystemPrincipal;

export interface AnonymousPrincipal {
  readonly kind: "anonymous";
}

export interface UserPrincipal {
  readonly kind: "user";
  readonly userId: string;
  readonly username: string;
  readonly sessionId: string;
  readonly roles: readonly string[];
  readonly permissions: ReadonlySet<string>;
}

export interface ApiKeyPrincipal {
  readonly kind: "api-key";
  readonly apiKeyId: string;
  /** The key's owner: the key acts with (a subset of) the owner's permissions. */
  readonly userId: string;
  readonly username: string;
  readonly permissions: ReadonlySet<string>;
  /** Calls allowed per hour, across instances; undefined = no per-key limit. */
  readonly rateLimitPerHour?: number;
}

/**
 * Warden itself, acting outside any call: the `warden` commands and the first-start bootstrap.
 * It holds every permission it is given (all of them); it never arrives through a listener.
 */
export interface SystemPrincipal {
  readonly kind: "system";
  /** Shown in audit rows, e.g. "system". */
  readonly label: string;
  readonly permissions: ReadonlySet<string>;
}

export const ANONYMOUS: AnonymousPrincipal = { kind: "anonymous" };

/** A short, secret-free description for logs and audit rows. */
export function describePrincipal(principal: Principal): string {
  switch (principal.kind) {
    case "anonymous":
      return "anonymous";
    case "user":
      return `user:${principal.username}`;
    case "api-key":
      return `api-key:${principal.apiKeyId}(${principal.username})`;
    case "system":
      return principal.label;
  }
}
