import { create } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { createFileRegistry, type DescService } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import { Registry } from "prom-client";
import { afterAll, beforeAll, expect, it } from "vitest";
import { applyGuards, createGuardChain, createRateLimiters } from "../src/guards/index.js";
import { createLogger } from "../src/observability/logger.js";
import { createGrpcClient, readErrorDetails, startGrpcListener, type GrpcListener } from "../src/transport/index.js";
import { openTestOrm, type TestOrm } from "./support/database.js";

// A service whose proto declares no access rule, as a careless new RPC would.
const file = createFileRegistry(
  create(FileDescriptorProtoSchema, {
    name: "unruly/v1/unruly.proto",
    package: "unruly.v1",
    syntax: "proto3",
    messageType: [{ name: "PingRequest" }, { name: "PingResponse" }],
    service: [{ name: "UnrulyService", method: [{ name: "Ping", inputType: ".unruly.v1.PingRequest", outputType: ".unruly.v1.PingResponse" }] }],
  }),
  () => undefined,
);
const UnrulyService = file.getService("unruly.v1.UnrulyService") as DescService;

let database: TestOrm;
let listener: GrpcListener;
let handlerCalls = 0;
beforeAll(async () => {
  database = await openTestOrm("sqlite");
  const guards = createGuardChain({
    logger: createLogger("silent"),
    metrics: new Registry(),
    // Even a caller holding every permission is refused.
    authenticate: () =>
      Promise.resolve({ kind: "user", userId: "u", username: "root", sessionId: "s", roles: ["ADMIN"], permissions: new Set(["*"]) }),
    foreignRules: new Map(),
    orm: database.orm,
    rateLimiters: createRateLimiters(),
  });
  const impl = applyGuards(UnrulyService, { ping: () => { handlerCalls++; return {}; } } as never, guards);
  listener = await startGrpcListener({ host: "127.0.0.1", port: 0, services: [{ service: UnrulyService, impl }], maxMessageBytes: 1 << 20, reflection: false });
});
afterAll(async () => {
  await listener.shutdown(1000);
  await database.close();
});

it("refuses a method without an access rule with PERMISSION_DENIED, failing closed", async () => {
  const client = createGrpcClient(UnrulyService, `127.0.0.1:${listener.port}`);
  const failure = (await (client as unknown as Record<string, (r: object) => Promise<unknown>>)["ping"]!({}).catch((e: unknown) => e)) as grpc.ServiceError;
  client.close();
  expect(failure.code).toBe(grpc.status.PERMISSION_DENIED);
  expect(Code.PermissionDenied).toBe(grpc.status.PERMISSION_DENIED);
  expect(readErrorDetails(failure).errorInfo).toMatchObject({ reason: "NO_ACCESS_RULE", domain: "warden" });
  expect(handlerCalls).toBe(0);
});
