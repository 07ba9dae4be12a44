import { create } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { ErrorInfoSchema } from "../gen/google/rpc/error_details_pb.js";
import { createFileRegistry, type DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { Registry } from "prom-client";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createChangeNotifier } from "../src/db/index.js";
import { applyGuards, createGuardChain, createRateLimiters } from "../src/guards/index.js";
import { createLogger } from "../src/observability/index.js";
import {
  createGrpcClient,
  readErrorDetails,
  startGrpcListener,
  startHttpListener,
  type GrpcListener,
  type HttpListener,
} from "../src/transport/index.js";
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
let httpListener: HttpListener;
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
    notifier: await createChangeNotifier(database.database.config, () => undefined),
    rateLimiters: createRateLimiters(),
  });
  const impl = applyGuards(UnrulyService, { ping: () => { handlerCalls++; return {}; } } as never, guards);
  const services = [{ service: UnrulyService, impl }];
  listener = await startGrpcListener({ host: "127.0.0.1", port: 0, services, maxMessageBytes: 1 << 20, reflection: false });
  httpListener = await startHttpListener({ host: "127.0.0.1", port: 0, services, routes: {}, maxMessageBytes: 1 << 20 });
});
afterAll(async () => {
  await listener.shutdown(1000);
  await httpListener.shutdown(1000);
  await database.close();
});

it("refuses a method without an access rule with PERMISSION_DENIED, failing closed", async () => {
  const client = createGrpcClient(UnrulyService, `127.0.0.1:${listener.port}`);
  const failure = (await (client as unknown as Record<string, (r: object) => Promise<unknown>>)["ping"]!({}).catch((e: unknown) => e)) as grpc.ServiceError;
  client.close();
  expect(failure.code).toBe(grpc.status.PERMISSION_DENIED);
  expect(readErrorDetails(failure).errorInfo).toMatchObject({ reason: "NO_ACCESS_RULE", domain: "warden" });
  expect(handlerCalls).toBe(0);
});

it("refuses it the same way over Connect (HTTP/1.1 JSON)", async () => {
  const client = createClient(UnrulyService, createConnectTransport({ baseUrl: `http://127.0.0.1:${httpListener.port}`, httpVersion: "1.1" }));
  const failure = await (client as unknown as Record<string, (r: object) => Promise<unknown>>)["ping"]!({}).then(
    () => undefined,
    (reason: unknown) => ConnectError.from(reason),
  );
  expect(failure?.code).toBe(Code.PermissionDenied);
  expect(failure?.findDetails(ErrorInfoSchema)[0]).toMatchObject({ reason: "NO_ACCESS_RULE", domain: "warden" });
  expect(handlerCalls).toBe(0);
});
