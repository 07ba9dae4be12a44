import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startWarden, type TestWarden } from "./support/warden.js";

const run = promisify(execFile);
const buf = "node_modules/.bin/buf";

let warden: TestWarden;
beforeAll(async () => {
  warden = await startWarden("sqlite");
});
afterAll(() => warden.stop());

it("lists every Warden, flagd, health and reflection service to buf curl", async () => {
  const { stdout } = await run(buf, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", "--list-services", `http://${warden.grpcAddress}`]);
  expect(stdout.split("\n").filter(Boolean).sort()).toEqual([
    "flagd.evaluation.v1.Service",
    "flagd.sync.v1.FlagSyncService",
    "grpc.health.v1.Health",
    "grpc.reflection.v1.ServerReflection",
    "grpc.reflection.v1alpha.ServerReflection",
    "warden.audit.v1.AuditService",
    "warden.auth.v1.AuthService",
    "warden.flags.v1.FlagService",
    "warden.settings.v1.SettingsService",
  ]);
});

it("lists every method, so grpcurl-style tools need no proto files", async () => {
  const { stdout } = await run(buf, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", "--list-methods", `http://${warden.grpcAddress}`]);
  const methods = stdout.split("\n").filter(Boolean);
  expect(methods).toContain("warden.auth.v1.AuthService/Login");
  expect(methods).toContain("warden.settings.v1.SettingsService/WatchSettings");
  expect(methods).toContain("flagd.evaluation.v1.Service/ResolveBoolean");
  expect(methods).toContain("flagd.sync.v1.FlagSyncService/SyncFlags");
});

it("makes calls described only by reflection, with JSON in and out", async () => {
  const { stdout } = await run(buf, [
    "curl", "--protocol", "grpc", "--http2-prior-knowledge", "-d", '{"service":""}',
    `http://${warden.grpcAddress}/grpc.health.v1.Health/Check`,
  ]);
  expect(JSON.parse(stdout)).toEqual({ status: "SERVING" });
});
