import { Health, HealthCheckResponse_ServingStatus } from "../../gen/grpc/health/v1/health_pb.js";
import { createGrpcClient } from "./grpc-client.js";

/**
 * Asks a Warden gRPC listener for its overall health, as `warden healthcheck` (the container
 * probe) does: true only for SERVING within `timeoutMs`; any failure counts as not serving.
 */
export async function checkHealth(address: string, timeoutMs: number): Promise<boolean> {
  const client = createGrpcClient(Health, address);
  try {
    const { status } = await client.check({ service: "" }, { deadlineMs: timeoutMs });
    return status === HealthCheckResponse_ServingStatus.SERVING;
  } catch {
    return false;
  } finally {
    client.close();
  }
}
