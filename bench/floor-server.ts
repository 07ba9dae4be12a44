import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import {
  Health,
  HealthCheckRequestSchema,
  HealthCheckResponse_ServingStatus,
  HealthCheckResponseSchema,
  type HealthCheckRequest,
  type HealthCheckResponse,
} from "../gen/grpc/health/v1/health_pb.js";
import { deserializerOf, grpcPathOf, serializerOf } from "../src/transport/index.js";

export interface FloorServer {
  readonly port: number;
  /** Check calls answered so far (all of them OK: the floor cannot fail a call). */
  answered(): number;
  stop(): Promise<void>;
}

const SERVING = create(HealthCheckResponseSchema, { status: HealthCheckResponse_ServingStatus.SERVING });

/**
 * The floor: what grpc-js alone costs for `grpc.health.v1.Health/Check`. Default server options,
 * the protobuf-es codecs Warden's binding uses, a constant SERVING answer; no guards, no logging.
 */
const checkOnly: grpc.ServiceDefinition = {
  Check: {
    path: grpcPathOf(Health.method.check),
    requestStream: false,
    responseStream: false,
    requestSerialize: serializerOf(HealthCheckRequestSchema),
    requestDeserialize: deserializerOf(HealthCheckRequestSchema),
    responseSerialize: serializerOf(HealthCheckResponseSchema),
    responseDeserialize: deserializerOf(HealthCheckResponseSchema),
  },
};

export async function startFloorServer(host = "127.0.0.1"): Promise<FloorServer> {
  let answered = 0;
  const check: grpc.handleUnaryCall<HealthCheckRequest, HealthCheckResponse> = (_call, callback) => {
    answered += 1;
    callback(null, SERVING);
  };
  const server = new grpc.Server();
  server.addService(checkOnly, { Check: check });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:0`, grpc.ServerCredentials.createInsecure(), (error, boundPort) =>
      error ? reject(error) : resolve(boundPort),
    );
  });
  return {
    port,
    answered: () => answered,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
