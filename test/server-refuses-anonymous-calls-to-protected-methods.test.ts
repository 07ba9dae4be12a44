import type { DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorInfoSchema } from "../gen/google/rpc/error_details_pb.js";
import { Health } from "../gen/grpc/health/v1/health_pb.js";
import { SettingsService } from "../gen/warden/settings/v1/settings_service_pb.js";
import { accessRuleOf, PUBLIC_RULE } from "../src/guards/index.js";
import { readErrorDetails } from "../src/transport/index.js";
import { startWarden, type TestWarden } from "./support/warden.js";

let warden: TestWarden;
beforeAll(async () => {
  warden = await startWarden("sqlite");
});
afterAll(() => warden.stop());

const foreign = new Map([[Health.typeName, PUBLIC_RULE]]);

/** Calls a method with an empty request over raw grpc-js; resolves with the status. */
function callEmpty(client: grpc.Client, method: DescMethod): Promise<grpc.StatusObject> {
  const path = `/${method.parent.typeName}/${method.name}`;
  const metadata = new grpc.Metadata();
  return new Promise((resolve) => {
    if (method.methodKind === "unary") {
      client.makeUnaryRequest(path, () => Buffer.alloc(0), (b: Buffer) => b, {}, metadata, (error) =>
        resolve(error ?? { code: grpc.status.OK, details: "", metadata: new grpc.Metadata() }),
      );
    } else {
      const stream = client.makeServerStreamRequest(path, () => Buffer.alloc(0), (b: Buffer) => b, {}, metadata);
      stream.on("data", () => undefined);
      stream.on("status", resolve);
      stream.on("error", () => undefined);
    }
  });
}

describe("anonymous callers", () => {
  it("get UNAUTHENTICATED with ErrorInfo from every non-public method on the gRPC listener", async () => {
    const client = new grpc.Client(warden.grpcAddress, grpc.credentials.createInsecure());
    const protectedMethods = warden.server.app.services
      .flatMap(({ service }) => service.methods)
      .filter((method) => accessRuleOf(method, foreign)?.requirement.case !== "public");
    expect(protectedMethods.length).toBeGreaterThan(50);
    for (const method of protectedMethods) {
      const status = await callEmpty(client, method);
      expect({ method: method.name, code: status.code }).toEqual({ method: method.name, code: grpc.status.UNAUTHENTICATED });
      const details = readErrorDetails(status as grpc.ServiceError);
      expect(details.errorInfo).toMatchObject({ reason: "UNAUTHENTICATED", domain: "warden" });
    }
    client.close();
  });

  it("get UNAUTHENTICATED with ErrorInfo from a typed grpc-js client", async () => {
    const failure = await warden
      .grpc(SettingsService)
      .getSetting({ key: "db.url", environment: "production" })
      .catch((error: grpc.ServiceError) => error);
    expect(failure).toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    expect(readErrorDetails(failure as grpc.ServiceError).errorInfo).toMatchObject({ reason: "UNAUTHENTICATED", domain: "warden" });
  });

  it.each(["connect", "grpcWeb"] as const)("get Unauthenticated with ErrorInfo over %s on the HTTP listener", async (protocol) => {
    const failure = await warden[protocol](SettingsService)
      .getSetting({ key: "db.url", environment: "production" })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConnectError);
    expect((failure as ConnectError).code).toBe(Code.Unauthenticated);
    expect((failure as ConnectError).findDetails(ErrorInfoSchema)).toEqual([
      expect.objectContaining({ reason: "UNAUTHENTICATED", domain: "warden" }),
    ]);
  });

  it("are refused before bad input is even looked at", async () => {
    const client = new grpc.Client(warden.grpcAddress, grpc.credentials.createInsecure());
    const status = await new Promise<grpc.StatusObject>((resolve) => {
      client.makeUnaryRequest(
        "/warden.settings.v1.SettingsService/GetSetting",
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.from([0xff, 0xff, 0xff]),
        new grpc.Metadata(),
        (error) => resolve(error as grpc.StatusObject),
      );
    });
    expect(status.code).not.toBe(grpc.status.INTERNAL);
    client.close();
  });
});
