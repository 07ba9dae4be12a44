import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Health } from "../gen/grpc/health/v1/health_pb.js";
import { applyGuards } from "../src/guards/guard.js";
import { createGrpcClient, createHealthService, startGrpcListener } from "../src/transport/index.js";
import type { GrpcListener } from "../src/transport/index.js";

let directory: string;
let certFile: string;
let listener: GrpcListener;
beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), "warden-tls-"));
  certFile = path.join(directory, "cert.pem");
  const keyFile = path.join(directory, "key.pem");
  // A throwaway self-signed certificate for 127.0.0.1.
  await promisify(execFile)("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", keyFile, "-out", certFile, "-days", "1", "-subj", "/CN=127.0.0.1",
    "-addext", "subjectAltName=IP:127.0.0.1",
  ]);
  listener = await startGrpcListener({
    host: "127.0.0.1",
    port: 0,
    services: [{ service: Health, impl: applyGuards(Health, createHealthService().impl, []) }],
    maxMessageBytes: 1 << 20,
    tls: { certFile, keyFile },
    reflection: false,
  });
});
afterAll(async () => {
  await listener.shutdown(1000);
  await rm(directory, { recursive: true, force: true });
});

it("serves TLS from the configured certificate and key files", async () => {
  const credentials = grpc.credentials.createSsl(await readFile(certFile));
  const client = createGrpcClient(Health, `127.0.0.1:${listener.port}`, { credentials });
  try {
    expect((await client.check({})).status).toBe(1);
  } finally {
    client.close();
  }
});

it("refuses plaintext clients", async () => {
  const client = createGrpcClient(Health, `127.0.0.1:${listener.port}`);
  try {
    await expect(client.check({}, { deadlineMs: 2_000 })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
  } finally {
    client.close();
  }
});
