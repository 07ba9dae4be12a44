import { ApiKey } from "./api-key.entity.js";
import { AuditLogEntry } from "./audit-log-entry.entity.js";
import { FeatureFlag } from "./feature-flag.entity.js";
import { Permission } from "./permission.entity.js";
import { RevisionCounter } from "./revision-counter.entity.js";
import { RolePermission } from "./role-permission.entity.js";
import { Role } from "./role.entity.js";
import { Session } from "./session.entity.js";
import { Setting } from "./setting.entity.js";
import { UserRole } from "./user-role.entity.js";
import { User } from "./user.entity.js";

export const ALL_ENTITIES = [
  User,
  Role,
  Permission,
  RolePermission,
  UserRole,
  Session,
  Setting,
  FeatureFlag,
  ApiKey,
  AuditLogEntry,
  RevisionCounter,
];
