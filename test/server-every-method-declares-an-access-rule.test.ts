import { afterAll, beforeAll, expect, it } from "vitest";
import { Health } from "../gen/grpc/health/v1/health_pb.js";
import { accessRuleOf, PUBLIC_RULE } from "../src/guards/index.js";
import { startWarden, type TestWarden } from "./support/warden.js";

let warden: TestWarden;
beforeAll(async () => {
  warden = await startWarden("sqlite");
});
afterAll(() => warden.stop());

it("every method of every registered service has an access rule", () => {
  const foreign = new Map([[Health.typeName, PUBLIC_RULE]]);
  const methods = warden.server.app.services.flatMap(({ service }) => service.methods);
  expect(methods.length).toBeGreaterThan(60);
  const withoutRule = methods
    .filter((method) => accessRuleOf(method, foreign) === undefined)
    .map((method) => `${method.parent.typeName}/${method.name}`);
  expect(withoutRule).toEqual([]);
});
