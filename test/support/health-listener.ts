import type { ServiceImpl } from "@connectrpc/connect";
import { Health } from "../../gen/grpc/health/v1/health_pb.js";
import { applyGuards } from "../../src/guards/guard.js";
import { createGrpcClient, startGrpcListener, type GrpcClient } from "../../src/transport/index.js";

export interface HealthListener {
  /** `127.0.0.1:<port>`. */
  readonly address: string;
  /** A grpc-js client of the listener; closed by stop(). */
  readonly client: GrpcClient<typeof Health>;
  stop(): Promise<void>;
}

/**
 * A grpc-js listener on a free port of 127.0.0.1 serving `impl` as grpc.health.v1.Health, without
 * guards or reflection: the transport under test and nothing else.
 */
export async function startHealthListener(impl: Partial<ServiceImpl<typeof Health>>): Promise<HealthListener> {
  const listener = await startGrpcListener({
    host: "127.0.0.1",
    port: 0,
    services: [{ service: Health, impl: applyGuards(Health, impl, []) }],
    maxMessageBytes: 1 << 20,
    reflection: false,
  });
  const address = `127.0.0.1:${listener.port}`;
  const client = createGrpcClient(Health, address);
  return {
    address,
    client,
    async stop() {
      client.close();
      await listener.shutdown(1000);
    },
  };
}
