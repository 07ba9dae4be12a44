export { auditActorOf } from "./audit-actor.js";
export type { AuditActor } from "./audit-actor.js";
