import { EventEmitter, once } from "node:events";
import { Code, ConnectError } from "@connectrpc/connect";
import type { ServiceImpl } from "@connectrpc/connect";
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from "../../gen/grpc/health/v1/health_pb.js";

export { ServingStatus };

/** The overall status, asked for with an empty service name. */
export const overallHealth = "";

export interface HealthService {
  /** The `grpc.health.v1.Health` implementation, to register through the guard chain like any service. */
  readonly impl: ServiceImpl<typeof Health>;
  setStatus(service: string, status: ServingStatus): void;
  /** Sets every known service, and the overall status, e.g. NOT_SERVING at shutdown. */
  setAll(status: ServingStatus): void;
  statusOf(service: string): ServingStatus | undefined;
  /** Ends every Watch stream (status OK), so a graceful shutdown is not held up by watchers. */
  close(): void;
}

/**
 * Standard health checking, answered from memory: Check never touches the database, the
 * application feeds statuses from its periodic probes. The overall status starts SERVING, as in
 * gRPC's reference implementations.
 */
export function createHealthService(): HealthService {
  const statuses = new Map<string, ServingStatus>([[overallHealth, ServingStatus.SERVING]]);
  const changes = new EventEmitter().setMaxListeners(0);
  let closed = false;

  const setStatus = (service: string, status: ServingStatus): void => {
    if (statuses.get(service) === status) return;
    statuses.set(service, status);
    changes.emit("change");
  };

  const impl: ServiceImpl<typeof Health> = {
    check(request) {
      const status = statuses.get(request.service);
      if (status === undefined) {
        throw new ConnectError(`unknown service "${request.service}"`, Code.NotFound);
      }
      return { status };
    },

    async *watch(request, context) {
      let sent: ServingStatus | undefined;
      for (;;) {
        const current = statuses.get(request.service) ?? ServingStatus.SERVICE_UNKNOWN;
        if (current !== sent) {
          sent = current;
          yield { status: current };
          continue;
        }
        if (closed) return; // after the last change, so watchers learn of a final NOT_SERVING
        try {
          await once(changes, "change", { signal: context.signal });
        } catch {
          return; // the call ended: client cancel, deadline or server shutdown
        }
      }
    },

    list() {
      return {
        statuses: Object.fromEntries([...statuses].map(([service, status]) => [service, { status }])),
      };
    },
  };

  return {
    impl,
    setStatus,
    setAll(status) {
      for (const service of statuses.keys()) setStatus(service, status);
    },
    statusOf: (service) => statuses.get(service),
    close() {
      closed = true;
      changes.emit("change");
    },
  };
}
