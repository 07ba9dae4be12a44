import { createContextKey } from "@connectrpc/connect";
import type { UnitOfWork } from "../db/index.js";
import { ANONYMOUS, type Principal } from "./principal.js";

/** The request id of the call: honoured from `x-request-id` or generated. */
export const requestIdKey = createContextKey<string>("", { description: "request id" });

/** The authenticated caller, ANONYMOUS until the authenticate guard has run. */
export const principalKey = createContextKey<Principal>(ANONYMOUS, { description: "caller" });

/** Where the call comes from, as recorded on sessions and audit rows. */
export interface ClientInfo {
  /** The peer's IP address (no port); null without an IP peer (e.g. a unix socket). */
  readonly ip: string | null;
  /** The `user-agent` header, cut to MAX_USER_AGENT_LENGTH characters. */
  readonly userAgent: string | null;
}

export const clientKey = createContextKey<ClientInfo>({ ip: null, userAgent: null }, { description: "client" });

/** The call's unit of work (see src/db/unit-of-work.ts), set by the unit-of-work guard. */
export const unitOfWorkKey = createContextKey<UnitOfWork | undefined>(undefined, { description: "unit of work" });
