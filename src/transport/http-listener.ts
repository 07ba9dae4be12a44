import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import { createContextValues } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { sniffHttpProtocol } from "./http-protocol-sniffer.js";
import type { HttpProtocol } from "./http-protocol-sniffer.js";
import { peerAddressKey, peerAddressOf } from "./peer-address.js";
import type { RegisteredService } from "./registered-service.js";

export type HttpRequest = http.IncomingMessage | http2.Http2ServerRequest;
export type HttpResponse = http.ServerResponse | http2.Http2ServerResponse;
export type HttpRoute = (request: HttpRequest, response: HttpResponse) => void | Promise<void>;

export interface HttpListenerOptions {
  readonly host: string;
  /** 0 picks a free port; the listener reports the actual one. */
  readonly port: number;
  /** Guarded ServiceImpls, served over Connect, gRPC-Web and gRPC. */
  readonly services: readonly RegisteredService[];
  /** Plain HTTP endpoints by exact path (e.g. /healthz, /metrics); they take precedence over RPCs. */
  readonly routes: Readonly<Record<string, HttpRoute>>;
  /** Largest message accepted or sent; larger ones fail with RESOURCE_EXHAUSTED. */
  readonly maxMessageBytes: number;
}

export interface HttpListener {
  readonly port: number;
  /** Stops accepting connections, lets in-flight requests finish for up to `graceMs`, then drops the rest. */
  shutdown(graceMs: number): Promise<void>;
}

/** A connection must show its protocol within this time; bounds connections that never send a byte. */
const firstBytesTimeoutMs = 10_000;

/**
 * One plaintext port for HTTP/1.1 and HTTP/2 with prior knowledge (h2c): each connection is
 * sniffed and handed to a node:http or node:http2 server, both answering the same requests.
 */
export async function startHttpListener(options: HttpListenerOptions): Promise<HttpListener> {
  const serveRpc = connectNodeAdapter({
    routes(router) {
      // For a service typed only as DescService, connect's ServiceImpl<DescService> collapses to
      // an object of `never` methods; each RegisteredService pairs an impl with its own service.
      for (const { service, impl } of options.services) router.service(service, impl as never);
    },
    readMaxBytes: options.maxMessageBytes,
    writeMaxBytes: options.maxMessageBytes,
    contextValues: (request) =>
      createContextValues().set(peerAddressKey, peerAddressOf(request.socket.remoteAddress)),
  });
  const serve = (request: HttpRequest, response: HttpResponse): void => {
    const route = options.routes[pathOf(request)];
    if (route === undefined) serveRpc(request, response);
    else void serveRoute(route, request, response);
  };

  let closing = false;
  const protocols = new Map<net.Socket, HttpProtocol | undefined>();
  const busyHttp1Sockets = new Set<net.Socket>();
  const http2Sessions = new Set<http2.ServerHttp2Session>();

  const http1Server = http.createServer((request, response) => {
    const socket = request.socket;
    busyHttp1Sockets.add(socket);
    if (closing) response.setHeader("connection", "close");
    response.once("close", () => {
      busyHttp1Sockets.delete(socket);
      if (closing) socket.end();
    });
    serve(request, response);
  });
  const http2Server = http2.createServer(serve);
  http2Server.on("session", (session) => {
    http2Sessions.add(session);
    session.once("close", () => http2Sessions.delete(session));
  });

  // Half-open like node:http's own listener, which answers requests whose sender already shut
  // its side; HTTP/2 has no use for it.
  const netServer = net.createServer({ allowHalfOpen: true }, (socket) => {
    protocols.set(socket, undefined);
    socket.once("close", () => protocols.delete(socket));
    sniffHttpProtocol(socket, firstBytesTimeoutMs, (protocol) => {
      protocols.set(socket, protocol);
      socket.allowHalfOpen = protocol === "http/1.1";
      if (protocol === "h2c") {
        http2Server.emit("connection", socket);
      } else {
        http1Server.emit("connection", socket);
        // node:http parses straight from the socket's handle and sees the sniffed bytes put back
        // into the stream only as 'data' events; node:http2 reads the buffer itself.
        socket.resume();
      }
    });
  });
  await listen(netServer, options.host, options.port);

  return {
    port: (netServer.address() as net.AddressInfo).port,
    async shutdown(graceMs) {
      closing = true;
      const allClosed = new Promise<void>((resolve) => netServer.close(() => resolve()));
      for (const session of http2Sessions) session.close();
      for (const [socket, protocol] of protocols) {
        if (protocol !== "h2c" && !busyHttp1Sockets.has(socket)) socket.destroy();
      }
      const graceOver = setTimeout(() => {
        for (const socket of protocols.keys()) socket.destroy();
      }, graceMs);
      await allClosed;
      clearTimeout(graceOver);
    },
  };
}

function listen(server: net.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

function pathOf(request: HttpRequest): string {
  const url = request.url ?? "/";
  const queryStart = url.indexOf("?");
  return queryStart === -1 ? url : url.slice(0, queryStart);
}

async function serveRoute(route: HttpRoute, request: HttpRequest, response: HttpResponse): Promise<void> {
  try {
    await route(request, response);
  } catch {
    if (response.headersSent) {
      response.destroy();
    } else {
      response.statusCode = 500;
      response.end();
    }
  }
}
