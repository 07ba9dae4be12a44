import * as http from "node:http";
import * as http2 from "node:http2";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Health } from "../gen/grpc/health/v1/health_pb.js";
import { applyGuards } from "../src/guards/guard.js";
import { createHealthService, startHttpListener } from "../src/transport/index.js";
import type { HttpListener, HttpRoute } from "../src/transport/index.js";

const healthz: HttpRoute = (_request, response) => {
  response.setHeader("content-type", "text/plain");
  response.end("ok");
};

let listener: HttpListener;
let baseUrl: string;
beforeAll(async () => {
  listener = await startHttpListener({
    host: "127.0.0.1",
    port: 0,
    services: [{ service: Health, impl: applyGuards(Health, createHealthService().impl, []) }],
    routes: {
      "/healthz": healthz,
      "/broken": () => Promise.reject(new Error("route failed")),
    },
    maxMessageBytes: 1 << 20,
  });
  baseUrl = `http://127.0.0.1:${listener.port}`;
});
afterAll(async () => {
  await listener.shutdown(1000);
});

/** One request over HTTP/2 with prior knowledge, on a fresh connection. */
async function h2cRequest(
  headers: http2.OutgoingHttpHeaders,
  body?: string,
): Promise<{ status: number | undefined; body: string }> {
  const session = http2.connect(baseUrl);
  try {
    return await new Promise((resolve, reject) => {
      const stream = session.request(headers);
      let status: number | undefined;
      let received = "";
      stream.on("response", (responseHeaders) => (status = responseHeaders[":status"]));
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => (received += chunk));
      stream.on("end", () => resolve({ status, body: received }));
      stream.on("error", reject);
      stream.end(body);
    });
  } finally {
    session.close();
  }
}

describe("over HTTP/1.1", () => {
  it("answers a Connect JSON call, as curl would send it", async () => {
    const response = await fetch(`${baseUrl}/grpc.health.v1.Health/Check`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "SERVING" });
  });

  it("answers the application's routes", async () => {
    const response = await fetch(`${baseUrl}/healthz?verbose=1`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("ok");
  });

  it("answers 500 when a route fails and 404 for unknown paths", async () => {
    expect((await fetch(`${baseUrl}/broken`)).status).toBe(500);
    expect((await fetch(`${baseUrl}/nothing-here`)).status).toBe(404);
  });
});

describe("over HTTP/2 with prior knowledge (h2c)", () => {
  it("answers a Connect JSON call", async () => {
    const response = await h2cRequest(
      { ":method": "POST", ":path": "/grpc.health.v1.Health/Check", "content-type": "application/json" },
      "{}",
    );
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ status: "SERVING" });
  });

  it("answers the application's routes", async () => {
    const response = await h2cRequest({ ":path": "/healthz" });
    expect(response).toEqual({ status: 200, body: "ok" });
  });

  it("answers a gRPC client", async () => {
    const client = createClient(Health, createGrpcTransport({ baseUrl }));
    expect((await client.check({})).status).toBe(1);
  });
});

describe("shutdown", () => {
  it("returns promptly with idle keep-alive and HTTP/2 connections open", async () => {
    const other = await startHttpListener({
      host: "127.0.0.1",
      port: 0,
      services: [],
      routes: { "/healthz": healthz },
      maxMessageBytes: 1024,
    });
    const agent = new http.Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      http.get({ host: "127.0.0.1", port: other.port, path: "/healthz", agent }, (response) => {
        response.resume().on("end", resolve);
      }).on("error", reject);
    });
    const session = http2.connect(`http://127.0.0.1:${other.port}`);
    await new Promise((resolve) => session.once("remoteSettings", resolve));

    const started = Date.now();
    await other.shutdown(10_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    agent.destroy();
    session.destroy();
  });

  it("lets an in-flight request finish, then closes its keep-alive connection", async () => {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const other = await startHttpListener({
      host: "127.0.0.1",
      port: 0,
      services: [],
      routes: {
        "/slow": async (_request, response) => {
          await released;
          response.end("done");
        },
      },
      maxMessageBytes: 1024,
    });
    const agent = new http.Agent({ keepAlive: true });
    const body = new Promise<string>((resolve, reject) => {
      http.get({ host: "127.0.0.1", port: other.port, path: "/slow", agent }, (response) => {
        let text = "";
        response.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
        response.on("end", () => resolve(text));
      }).on("error", reject);
    });
    await new Promise((resolve) => setTimeout(resolve, 100));

    const started = Date.now();
    const shutdown = other.shutdown(10_000);
    setTimeout(release, 100);
    await shutdown;
    expect(await body).toBe("done");
    expect(Date.now() - started).toBeLessThan(1_000);
    agent.destroy();
  });

  it("drops connections still busy when the grace period ends", async () => {
    const other = await startHttpListener({
      host: "127.0.0.1",
      port: 0,
      services: [],
      routes: { "/hang": () => undefined },
      maxMessageBytes: 1024,
    });
    const hanging = new Promise<void>((resolve) => {
      http.get({ host: "127.0.0.1", port: other.port, path: "/hang" }).on("error", () => resolve());
    });
    await new Promise((resolve) => setTimeout(resolve, 100));

    const started = Date.now();
    await other.shutdown(200);
    expect(Date.now() - started).toBeLessThan(1_000);
    await hanging;
  });
});
