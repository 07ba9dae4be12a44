import { Counter, Histogram, type Registry } from "prom-client";
import { statusName, runObserved } from "./call-outcome.js";
import type { Guard } from "./guard.js";

/** grpc_server_* metrics with the labels of go-grpc-prometheus, so existing dashboards fit. */
export function createRecordMetricsGuard(registry: Registry): Guard {
  const started = new Counter({
    name: "grpc_server_started_total",
    help: "RPCs started on the server.",
    labelNames: ["grpc_type", "grpc_service", "grpc_method"],
    registers: [registry],
  });
  const handled = new Counter({
    name: "grpc_server_handled_total",
    help: "RPCs completed on the server, regardless of success or failure.",
    labelNames: ["grpc_type", "grpc_service", "grpc_method", "grpc_code"],
    registers: [registry],
  });
  const handling = new Histogram({
    name: "grpc_server_handling_seconds",
    help: "Response latency of RPCs handled by the server.",
    labelNames: ["grpc_type", "grpc_service", "grpc_method"],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return (next, method) => {
    const labels = {
      grpc_type: method.methodKind === "unary" ? "unary" : "server_stream",
      grpc_service: method.parent.typeName,
      grpc_method: method.name,
    };
    const startedChild = started.labels(labels);
    const handlingChild = handling.labels(labels);
    const handledByCode = new Map<string, Counter.Internal>();
    const handledChild = (code: string) => {
      let child = handledByCode.get(code);
      if (child === undefined) handledByCode.set(code, (child = handled.labels({ ...labels, grpc_code: code })));
      return child;
    };
    return (request, context) => {
      startedChild.inc();
      const begin = performance.now();
      return runObserved(next, request, context, (error) => {
        handlingChild.observe((performance.now() - begin) / 1000);
        handledChild(statusName(error)).inc();
      });
    };
  };
}
