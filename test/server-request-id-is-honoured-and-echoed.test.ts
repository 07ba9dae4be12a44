import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startWarden, type TestWarden } from "./support/warden.js";

let warden: TestWarden;
beforeAll(async () => {
  warden = await startWarden("sqlite");
});
afterAll(() => warden.stop());

function checkWithHeaders(requestId?: string): Promise<grpc.Metadata> {
  const client = new grpc.Client(warden.grpcAddress, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  if (requestId !== undefined) metadata.set("x-request-id", requestId);
  return new Promise((resolve, reject) => {
    const call = client.makeUnaryRequest("/grpc.health.v1.Health/Check", () => Buffer.alloc(0), (b: Buffer) => b, {}, metadata, (error) => {
      client.close();
      if (error) reject(error);
    });
    call.on("metadata", resolve);
  });
}

it("echoes a caller's x-request-id and logs the call under it", async () => {
  const headers = await checkWithHeaders("req-1234.abc");
  expect(headers.get("x-request-id")).toEqual(["req-1234.abc"]);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const line = warden.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l["requestId"] === "req-1234.abc");
  expect(line).toMatchObject({ method: "grpc.health.v1.Health/Check", code: "OK", principal: "anonymous" });
  expect(typeof line?.["durationMs"]).toBe("number");
});

it("generates an id when none or an unusable one is given", async () => {
  const generated = (await checkWithHeaders())?.get("x-request-id")[0];
  expect(generated).toMatch(/^[0-9a-f-]{36}$/);
  const replaced = (await checkWithHeaders("bad id with spaces"))?.get("x-request-id")[0];
  expect(replaced).toMatch(/^[0-9a-f-]{36}$/);
});

it("echoes the id on the HTTP listener too", async () => {
  const response = await fetch(`${warden.httpUrl}/grpc.health.v1.Health/Check`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-request-id": "http-req-1" },
    body: "{}",
  });
  expect(response.status).toBe(200);
  expect(response.headers.get("x-request-id")).toBe("http-req-1");
  expect(await response.json()).toEqual({ status: "SERVING" });
  const unnamed = await fetch(`${warden.httpUrl}/grpc.health.v1.Health/Check`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}",
  });
  expect(unnamed.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
});
