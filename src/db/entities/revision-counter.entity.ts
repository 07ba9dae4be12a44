import { defineEntity, p, type InferEntity } from "@mikro-orm/core";

/** The single row (id 1) holding the last global revision handed out; see revision.ts. */
export const RevisionCounter = defineEntity({
  name: "RevisionCounter",
  tableName: "revision_counter",
  properties: {
    id: p.integer().primary().autoincrement(false),
    value: p.bigint("number").default(0),
  },
  checks: [{ name: "revision_counter_single_row", expression: "id = 1" }],
});
export type RevisionCounter = InferEntity<typeof RevisionCounter>;
