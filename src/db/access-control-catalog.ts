/** The base permissions of DESIGN.md section 2, with the descriptions the seed stores. */
export const PERMISSIONS = [
  { name: "settings:read", description: "Read settings (secret values stay masked)" },
  { name: "settings:write", description: "Create and update settings" },
  { name: "settings:delete", description: "Delete settings" },
  { name: "settings:admin", description: "Reveal secrets, roll back settings, rotate encryption keys" },
  { name: "flags:read", description: "Read and evaluate feature flags" },
  { name: "flags:write", description: "Create, update, toggle and delete feature flags" },
  { name: "users:read", description: "Read users" },
  { name: "users:write", description: "Create and update users" },
  { name: "users:delete", description: "Delete users" },
  { name: "users:admin", description: "Assign roles, unlock accounts, reset 2FA, manage others' sessions" },
  { name: "roles:read", description: "Read roles and their permissions" },
  { name: "roles:admin", description: "Manage custom roles and their permissions" },
  { name: "audit:read", description: "Read and verify the audit trail" },
] as const;

export type PermissionName = (typeof PERMISSIONS)[number]["name"];

/** Highest first: ADMIN > MANAGER > OPERATOR > VIEWER. */
export const SYSTEM_ROLES = [
  { name: "ADMIN", description: "Everything" },
  { name: "MANAGER", description: "Settings, flags and users, without administration" },
  { name: "OPERATOR", description: "Reads and writes settings and flags" },
  { name: "VIEWER", description: "Reads settings, flags and the audit trail" },
] as const;

export type SystemRoleName = (typeof SYSTEM_ROLES)[number]["name"];

export const SYSTEM_ROLE_PERMISSIONS: Readonly<Record<SystemRoleName, readonly PermissionName[]>> = {
  ADMIN: PERMISSIONS.map((permission) => permission.name),
  MANAGER: [
    "settings:read",
    "settings:write",
    "settings:delete",
    "flags:read",
    "flags:write",
    "users:read",
    "users:write",
    "users:delete",
    "roles:read",
    "audit:read",
  ],
  OPERATOR: ["settings:read", "settings:write", "flags:read", "flags:write"],
  VIEWER: ["settings:read", "flags:read", "audit:read"],
};
