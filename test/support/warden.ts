import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import type { DescService } from "@bufbuild/protobuf";
import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { loadConfig, type Config } from "../../src/config/index.js";
import { createLogger } from "../../src/observability/index.js";
import { startServer, type RunningServer } from "../../src/server.js";
import { createGrpcClient, type GrpcClient } from "../../src/transport/index.js";
import { createTestDatabase, type Dialect, type TestDatabase } from "./database.js";

export interface TestWarden {
  readonly server: RunningServer;
  readonly config: Config;
  readonly database: TestDatabase;
  readonly grpcAddress: string;
  readonly httpUrl: string;
  /** Every log line the server wrote, as JSON text. */
  readonly logs: string[];
  /** A grpc-js client (what backend services use); closed with the server. */
  grpc<S extends DescService>(service: S, metadata?: Record<string, string>): GrpcClient<S>;
  /** A Connect-protocol client over HTTP/1.1 (JSON), as curl or a browser would speak. */
  connect<S extends DescService>(service: S, headers?: Record<string, string>): Client<S>;
  /** A gRPC-Web client over HTTP/1.1. */
  grpcWeb<S extends DescService>(service: S, headers?: Record<string, string>): Client<S>;
  stop(): Promise<void>;
}

export interface StartWardenOptions {
  /** Extra environment variables for loadConfig. */
  readonly env?: Record<string, string>;
  /** Reuse a database (e.g. a second instance on the same PostgreSQL); it is then not dropped on stop. */
  readonly database?: TestDatabase;
}

/** A real Warden on ports 0 of 127.0.0.1, on a fresh database of the dialect. */
export async function startWarden(dialect: Dialect, options: StartWardenOptions = {}): Promise<TestWarden> {
  const ownDatabase = options.database === undefined;
  const database = options.database ?? (await createTestDatabase(dialect));
  const dataDir = await mkdtemp(join(tmpdir(), "warden-data-"));
  const config: Config = {
    ...loadConfig({
      HOST: "127.0.0.1",
      PORT: "0",
      HTTP_PORT: "0",
      LOG_LEVEL: "info",
      WARDEN_DATA_DIR: dataDir,
      SHUTDOWN_GRACE_MS: "2000",
      ...options.env,
    }),
    database: database.config,
  };
  const logs: string[] = [];
  const capture = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(...chunk.toString("utf8").split("\n").filter((line) => line.length > 0));
      done();
    },
  });
  const server = await startServer(config, createLogger(config.logLevel, capture));
  const grpcAddress = `127.0.0.1:${server.grpcPort}`;
  const httpUrl = `http://127.0.0.1:${server.httpPort}`;
  const grpcClients: Array<{ close(): void }> = [];
  return {
    server,
    config,
    database,
    grpcAddress,
    httpUrl,
    logs,
    grpc(service, metadata) {
      const client = createGrpcClient(service, grpcAddress, metadata === undefined ? {} : { metadata });
      grpcClients.push(client);
      return client;
    },
    connect: (service, headers) =>
      createClient(service, createConnectTransport({ baseUrl: httpUrl, httpVersion: "1.1", ...interceptHeaders(headers) })),
    grpcWeb: (service, headers) =>
      createClient(service, createGrpcWebTransport({ baseUrl: httpUrl, httpVersion: "1.1", ...interceptHeaders(headers) })),
    async stop() {
      for (const client of grpcClients) client.close();
      await server.stop();
      if (ownDatabase) await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function interceptHeaders(headers: Record<string, string> | undefined) {
  if (headers === undefined) return {};
  return {
    interceptors: [
      (next: Parameters<import("@connectrpc/connect").Interceptor>[0]) => (request: Parameters<Parameters<import("@connectrpc/connect").Interceptor>[0]>[0]) => {
        for (const [name, value] of Object.entries(headers)) request.header.set(name, value);
        return next(request);
      },
    ],
  };
}
