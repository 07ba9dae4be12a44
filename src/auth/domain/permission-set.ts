/** Every permission granted to any of the roles; unknown roles grant nothing. */
export function effectivePermissions(
  roleNames: Iterable<string>,
  grants: ReadonlyMap<string, ReadonlySet<string>>,
): Set<string> {
  const permissions = new Set<string>();
  for (const role of roleNames) {
    for (const permission of grants.get(role) ?? []) permissions.add(permission);
  }
  return permissions;
}

/**
 * What an API key may do: its own list cut down to what its owner holds now, so a permission the
 * owner loses leaves the key at the same moment.
 */
export function apiKeyPermissions(keyPermissions: Iterable<string>, ownerPermissions: ReadonlySet<string>): Set<string> {
  const permissions = new Set<string>();
  for (const permission of keyPermissions) {
    if (ownerPermissions.has(permission)) permissions.add(permission);
  }
  return permissions;
}

/** The requested permissions the granter does not hold itself, sorted; empty means it may grant them all. */
export function ungrantablePermissions(granterPermissions: ReadonlySet<string>, requested: Iterable<string>): string[] {
  return [...new Set(requested)].filter((permission) => !granterPermissions.has(permission)).sort();
}
