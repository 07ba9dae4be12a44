import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { DescService } from "@bufbuild/protobuf";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Service as FlagdEvaluationService } from "../gen/flagd/evaluation/v1/evaluation_pb.js";
import { FlagSyncService } from "../gen/flagd/sync/v1/sync_pb.js";
import { Health } from "../gen/grpc/health/v1/health_pb.js";
import { AuditService } from "../gen/warden/audit/v1/audit_service_pb.js";
import { AuthService } from "../gen/warden/auth/v1/auth_service_pb.js";
import { FlagService } from "../gen/warden/flags/v1/flag_service_pb.js";
import { SettingsService } from "../gen/warden/settings/v1/settings_service_pb.js";
import { applyGuards } from "../src/guards/guard.js";
import { createHealthService, startGrpcListener } from "../src/transport/index.js";
import type { GrpcListener } from "../src/transport/index.js";

const run = promisify(execFile);

// Every service of the API: several files per package and shared imports (Timestamp, Struct, the
// authz option) are what grpc-node#2595 would break.
const apiServices: DescService[] = [
  AuthService,
  SettingsService,
  FlagService,
  AuditService,
  FlagdEvaluationService,
  FlagSyncService,
];

let listener: GrpcListener;
beforeAll(async () => {
  listener = await startGrpcListener({
    host: "127.0.0.1",
    port: 0,
    services: [
      { service: Health, impl: applyGuards(Health, createHealthService().impl, []) },
      ...apiServices.map((service) => ({ service, impl: applyGuards(service, {}, []) })),
    ],
    maxMessageBytes: 1 << 20,
    reflection: true,
  });
});
afterAll(async () => {
  await listener.shutdown(1000);
});

/** `buf curl` over gRPC with HTTP/2 prior knowledge, resolving every schema by reflection. */
async function bufCurl(...args: string[]): Promise<string> {
  const { stdout } = await run("node_modules/.bin/buf", ["curl", "--protocol", "grpc", "--http2-prior-knowledge", ...args]);
  return stdout;
}

const baseUrl = (): string => `http://127.0.0.1:${listener.port}`;
const lines = (text: string): string[] => text.split("\n").filter((line) => line !== "");

it("lists every registered service, health and reflection included", async () => {
  const services = lines(await bufCurl("--list-services", baseUrl()));
  expect(services.sort()).toEqual(
    [
      ...apiServices.map((service) => service.typeName),
      "grpc.health.v1.Health",
      "grpc.reflection.v1.ServerReflection",
      "grpc.reflection.v1alpha.ServerReflection",
    ].sort(),
  );
});

it("describes every method of every service, over v1 and v1alpha", async () => {
  const expected = [Health, ...apiServices].flatMap((service) =>
    service.methods.map((method) => `${service.typeName}/${method.name}`),
  );
  for (const reflectProtocol of ["grpc-v1", "grpc-v1alpha"]) {
    const methods = lines(await bufCurl("--reflect-protocol", reflectProtocol, "--list-methods", baseUrl()));
    expect(methods).toEqual(expect.arrayContaining(expected));
  }
});

it("lets a client call a method knowing nothing but the reflected schema", async () => {
  const reply = await bufCurl("-d", "{}", `${baseUrl()}/grpc.health.v1.Health/Check`);
  expect(JSON.parse(reply)).toEqual({ status: "SERVING" });
});

it("resolves methods whose messages come from files with imports", async () => {
  // The method is not implemented here; reaching the server at all proves the schema resolved.
  const failure = await bufCurl(
    "-d",
    '{"environment": "production", "fromRevision": "1"}',
    `${baseUrl()}/warden.settings.v1.SettingsService/WatchSettings`,
  ).catch((error: { stderr: string }) => error.stderr);
  expect(JSON.parse(failure)).toMatchObject({ code: "unimplemented" });
});
