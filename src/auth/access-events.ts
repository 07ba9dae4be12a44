import type { ChangeNotifier, Transaction } from "../db/index.js";

/**
 * What changed in access control, announced to every instance when the change
 * commits, so their in-memory access directories drop what they cached. Payloads carry ids
 * only; receivers reload from the database.
 */
export type AccessChange =
  | { readonly kind: "user"; readonly id: string }
  | { readonly kind: "roles" }
  | { readonly kind: "api-key"; readonly id: string }
  | { readonly kind: "session-revoked"; readonly id: string };

export const ACCESS_CHANNEL = "warden_access";

/** Announces the changes with the transaction that makes them (see Transaction.publish). */
export async function publishAccessChanges(tx: Transaction, ...changes: readonly AccessChange[]): Promise<void> {
  for (const change of changes) await tx.publish(ACCESS_CHANNEL, JSON.stringify(change));
}

export function subscribeToAccessChanges(notifier: ChangeNotifier, listener: (change: AccessChange) => void): () => void {
  return notifier.subscribe(ACCESS_CHANNEL, (payload) => {
    const change = parseAccessChange(payload);
    if (change !== undefined) listener(change);
  });
}

function parseAccessChange(payload: string): AccessChange | undefined {
  try {
    const value = JSON.parse(payload) as Partial<{ kind: string; id: string }>;
    if (value.kind === "roles") return { kind: "roles" };
    if ((value.kind === "user" || value.kind === "api-key" || value.kind === "session-revoked") && typeof value.id === "string") {
      return { kind: value.kind, id: value.id };
    }
  } catch {
    // Not ours, or garbled: ignored.
  }
  return undefined;
}
