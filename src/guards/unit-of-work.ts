import type { EntityManager, MikroORM } from "@mikro-orm/core";
import { entityManagerKey } from "./context-keys.js";
import type { Guard } from "./guard.js";

/** Gives each call its own EntityManager (a fork), created lazily on first use. */
export function createUnitOfWorkGuard(orm: MikroORM): Guard {
  return (next) => (request, context) => {
    let forked: EntityManager | undefined;
    context.values.set(entityManagerKey, () => (forked ??= orm.em.fork()));
    return next(request, context);
  };
}
