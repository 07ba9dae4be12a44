import type { HandlerContext } from "@connectrpc/connect";
import { createUnitOfWork, type ChangeNotifier, type Orm, type UnitOfWork } from "../db/index.js";
import { unitOfWorkKey } from "./context-keys.js";
import type { Guard } from "./guard.js";

/** Gives each call its own unit of work; its EntityManager is forked on first use. */
export function createUnitOfWorkGuard(orm: Orm, notifier: ChangeNotifier): Guard {
  const fork = () => orm.em.fork();
  return (next) => (request, context) => {
    context.values.set(unitOfWorkKey, createUnitOfWork(fork, notifier));
    return next(request, context);
  };
}

/** The call's unit of work: the unit-of-work guard sets it on every call. */
export function unitOfWorkOf(context: HandlerContext): UnitOfWork {
  const unitOfWork = context.values.get(unitOfWorkKey);
  if (unitOfWork === undefined) throw new Error("no unit of work on this call: the unit-of-work guard is missing");
  return unitOfWork;
}
