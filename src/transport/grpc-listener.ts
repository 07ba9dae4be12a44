import { readFile } from "node:fs/promises";
import * as grpc from "@grpc/grpc-js";
import { addGuardedService } from "./grpc-binding.js";
import { addReflectionService } from "./grpc-reflection.js";
import type { RegisteredService } from "./registered-service.js";

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface GrpcListenerOptions {
  readonly host: string;
  /** 0 picks a free port; the listener reports the actual one. */
  readonly port: number;
  /** Guarded ServiceImpls (see applyGuards); the transport applies no guards itself. */
  readonly services: readonly RegisteredService[];
  /** Largest message accepted or sent; larger ones fail with RESOURCE_EXHAUSTED. */
  readonly maxMessageBytes: number;
  readonly tls?: TlsFiles;
  readonly reflection: boolean;
}

export interface GrpcListener {
  readonly port: number;
  readonly server: grpc.Server;
  /** Stops accepting calls, lets in-flight calls finish for up to `graceMs`, then cancels the rest. */
  shutdown(graceMs: number): Promise<void>;
}

/**
 * Keepalive for long-lived, mostly idle connections (sidecars polling or watching flags): a ping
 * after 60 s without traffic, answered within 20 s, detects dead peers and keeps NAT and load
 * balancer idle timers (commonly 350 s or more) from dropping the connection. Connection age is
 * not capped so Watch streams are not cut; grpc-js does not police client ping rates.
 */
const keepaliveOptions = {
  "grpc.keepalive_time_ms": 60_000,
  "grpc.keepalive_timeout_ms": 20_000,
} satisfies grpc.ServerOptions;

export async function startGrpcListener(options: GrpcListenerOptions): Promise<GrpcListener> {
  const server = new grpc.Server({
    ...keepaliveOptions,
    "grpc.max_receive_message_length": options.maxMessageBytes,
    "grpc.max_send_message_length": options.maxMessageBytes,
  });
  for (const { service, impl } of options.services) addGuardedService(server, service, impl);
  if (options.reflection) {
    addReflectionService(server, options.services.map(({ service }) => service));
  }
  const credentials = options.tls ? await serverCredentialsOf(options.tls) : grpc.ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(listenAddressOf(options.host, options.port), credentials, (error, boundPort) =>
      error ? reject(error) : resolve(boundPort),
    );
  });
  return { port, server, shutdown: (graceMs) => shutdownWithin(server, graceMs) };
}

/** grpc-js takes a URI-style target, where an IPv6 host needs brackets. */
function listenAddressOf(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

async function serverCredentialsOf(tls: TlsFiles): Promise<grpc.ServerCredentials> {
  const [certChain, privateKey] = await Promise.all([readFile(tls.certFile), readFile(tls.keyFile)]);
  return grpc.ServerCredentials.createSsl(null, [{ cert_chain: certChain, private_key: privateKey }]);
}

function shutdownWithin(server: grpc.Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const deadline = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(deadline);
      resolve();
    });
  });
}
