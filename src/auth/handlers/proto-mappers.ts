import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type {
  ApiKeySchema,
  PermissionSchema,
  RoleSchema,
  SessionSchema,
  UserSchema,
} from "../../../gen/warden/auth/v1/auth_service_pb.js";
import type { ApiKey, Permission, Role, Session, User } from "../../db/index.js";

/** Domain rows -> proto messages. Secrets (hashes, TOTP secrets) have no field to land in. */

export function toUserMessage(user: User, roles: readonly string[], now = new Date()): MessageInitShape<typeof UserSchema> {
  const autoLocked = user.lockedUntil !== null && user.lockedUntil !== undefined && user.lockedUntil > now;
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    active: user.isActive,
    locked: user.isLocked || autoLocked,
    ...(autoLocked && { lockedUntil: timestampFromDate(user.lockedUntil as Date) }),
    totpEnabled: user.totpEnabled,
    roles: [...roles],
    createTime: timestampFromDate(user.createdAt),
    updateTime: timestampFromDate(user.updatedAt),
    ...(user.lastLoginAt != null && { lastLoginTime: timestampFromDate(user.lastLoginAt) }),
    version: BigInt(user.version),
  };
}

export function toRoleMessage(role: Role, permissions: Iterable<string>): MessageInitShape<typeof RoleSchema> {
  return {
    name: role.name,
    description: role.description,
    system: role.isSystem,
    permissions: [...permissions].sort(),
    version: BigInt(role.version),
  };
}

export function toPermissionMessage(permission: Permission): MessageInitShape<typeof PermissionSchema> {
  return { name: permission.name, description: permission.description };
}

export function toSessionMessage(session: Session, currentSessionId?: string): MessageInitShape<typeof SessionSchema> {
  return {
    id: session.id,
    ip: session.ip ?? "",
    userAgent: session.userAgent ?? "",
    deviceName: session.deviceName ?? "",
    createTime: timestampFromDate(session.createdAt),
    lastUsedTime: timestampFromDate(session.lastUsedAt),
    expireTime: timestampFromDate(session.expiresAt),
    ...(session.revokedAt != null && { revokeTime: timestampFromDate(session.revokedAt) }),
    current: session.id === currentSessionId,
  };
}

export function toApiKeyMessage(key: ApiKey): MessageInitShape<typeof ApiKeySchema> {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    permissions: [...key.permissions],
    allowedCidrs: [...key.allowedCidrs],
    rateLimitPerHour: key.rateLimitPerHour ?? 0,
    ...(key.expiresAt != null && { expireTime: timestampFromDate(key.expiresAt) }),
    ...(key.revokedAt != null && { revokeTime: timestampFromDate(key.revokedAt) }),
    ...(key.lastUsedAt != null && { lastUsedTime: timestampFromDate(key.lastUsedAt) }),
    createTime: timestampFromDate(key.createdAt),
    ownerUserId: key.user.id,
  };
}
