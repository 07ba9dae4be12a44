import type { Socket } from "node:net";

export type HttpProtocol = "http/1.1" | "h2c";

/** Every HTTP/2 connection opens with this preface (RFC 9113 §3.4); no HTTP/1.1 request line does. */
const http2Preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/**
 * Reads just enough of a new plaintext connection to tell HTTP/2 prior knowledge from HTTP/1.1,
 * puts the bytes back, and hands the paused socket to `serve`. A peer that sends nothing within
 * `timeoutMs` is disconnected.
 */
export function sniffHttpProtocol(socket: Socket, timeoutMs: number, serve: (protocol: HttpProtocol) => void): void {
  let received = Buffer.alloc(0);
  const drop = (): void => {
    socket.destroy();
  };
  const onData = (chunk: Buffer): void => {
    received = Buffer.concat([received, chunk]);
    const compared = Math.min(received.length, http2Preface.length);
    const isPrefaceSoFar = received.subarray(0, compared).equals(http2Preface.subarray(0, compared));
    if (isPrefaceSoFar && received.length < http2Preface.length) return;
    socket.off("data", onData);
    socket.off("error", drop);
    socket.setTimeout(0);
    socket.off("timeout", drop);
    socket.pause();
    socket.unshift(received);
    serve(isPrefaceSoFar ? "h2c" : "http/1.1");
  };
  socket.on("data", onData);
  socket.on("error", drop);
  socket.setTimeout(timeoutMs);
  socket.on("timeout", drop);
}
