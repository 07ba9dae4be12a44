import { execFile, spawn } from "node:child_process";
import { connect, constants } from "node:http2";

export interface H2loadResult {
  readonly requestsPerSecond: number;
  /** Requests answered with HTTP 2xx/3xx. A gRPC error is still HTTP 200: check grpc-status separately. */
  readonly succeeded: number;
  readonly failed: number;
}

export interface H2loadRun {
  /** host:port of a plaintext (h2c) gRPC server. */
  readonly address: string;
  /** `/package.Service/Method` */
  readonly path: string;
  /** A file holding one gRPC-framed request message (see grpcFrame). */
  readonly bodyFile: string;
  readonly requests: number;
  readonly connections?: number;
  readonly streamsPerConnection?: number;
  readonly timeoutMs: number;
}

const GRPC_HEADERS = { "content-type": "application/grpc", te: "trailers" } as const;

/** The h2load version line, or undefined when h2load is not installed. */
export function h2loadVersion(): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile("h2load", ["--version"], { timeout: 5_000 }, (error, stdout) =>
      resolve(error ? undefined : stdout.trim()),
    );
  });
}

/** A gRPC length-prefixed message: flag byte 0 (uncompressed), uint32 big-endian length, message. */
export function grpcFrame(message: Uint8Array): Buffer {
  const frame = Buffer.alloc(5 + message.byteLength);
  frame.writeUInt32BE(message.byteLength, 1);
  frame.set(message, 5);
  return frame;
}

/**
 * Sends the exact bytes and headers h2load will send, over node:http2, and returns the response
 * message; throws unless the server answers HTTP 200 with grpc-status 0. This proves the body file
 * is a well-formed call before h2load, which sees only HTTP statuses, repeats it.
 */
export function sendRawGrpcCall(address: string, path: string, body: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const session = connect(`http://${address}`);
    const fail = (error: Error): void => {
      session.destroy();
      reject(error);
    };
    session.on("error", fail);
    session.setTimeout(timeoutMs, () => fail(new Error(`no answer from ${address}${path} within ${timeoutMs} ms`)));
    const stream = session.request({
      [constants.HTTP2_HEADER_METHOD]: "POST",
      [constants.HTTP2_HEADER_PATH]: path,
      ...GRPC_HEADERS,
    });
    let status: number | undefined;
    let grpcStatus: string | undefined;
    let grpcMessage: string | undefined;
    const chunks: Buffer[] = [];
    stream.on("response", (headers) => {
      status = Number(headers[constants.HTTP2_HEADER_STATUS]);
      // A trailers-only error response carries grpc-status in the headers.
      grpcStatus ??= headers["grpc-status"] as string | undefined;
      grpcMessage ??= headers["grpc-message"] as string | undefined;
    });
    stream.on("trailers", (trailers) => {
      grpcStatus = trailers["grpc-status"] as string | undefined;
      grpcMessage = trailers["grpc-message"] as string | undefined;
    });
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("error", fail);
    stream.on("end", () => {
      session.close();
      const response = Buffer.concat(chunks);
      if (status !== 200 || grpcStatus !== "0") {
        return reject(
          new Error(`${path} answered HTTP ${status}, grpc-status ${grpcStatus ?? "none"}${grpcMessage ? `: ${grpcMessage}` : ""}`),
        );
      }
      const length = response.length >= 5 ? response.readUInt32BE(1) : -1;
      if (length !== response.length - 5) return reject(new Error(`${path} answered a malformed gRPC frame`));
      resolve(response.subarray(5));
    });
    stream.end(body);
  });
}

/** Runs h2load (`-c connections -m streams -n requests`) with gRPC headers and the framed body. */
export function runH2load(run: H2loadRun): Promise<H2loadResult> {
  const args = [
    "-c", String(run.connections ?? 1),
    "-m", String(run.streamsPerConnection ?? 32),
    "-n", String(run.requests),
    "-d", run.bodyFile, // makes the method POST
    ...Object.entries(GRPC_HEADERS).flatMap(([name, value]) => ["-H", `${name}: ${value}`]),
    `http://${run.address}${run.path}`,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn("h2load", args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => (output += text));
    child.stderr.setEncoding("utf8").on("data", (text: string) => (output += text));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, run.timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (timedOut) return reject(new Error(`h2load did not finish within ${run.timeoutMs} ms`));
      if (signal !== null) return reject(new Error(`h2load was stopped by ${signal}`));
      const result = parseH2loadOutput(output);
      if (code !== 0 || result === undefined) {
        return reject(new Error(`h2load exited with code ${code}:\n${output.trim()}`));
      }
      resolve(result);
    });
  });
}

// finished in 2.45s, 16326.53 req/s, 1.23MB/s
// requests: 40000 total, 40000 started, 40000 done, 40000 succeeded, 0 failed, 0 errored, 0 timeout
function parseH2loadOutput(output: string): H2loadResult | undefined {
  const rate = /finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(output);
  const counts = /requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(
    output,
  );
  if (rate === null || counts === null) return undefined;
  const [total, succeeded, failed, errored, timedOut] = counts.slice(1).map(Number) as [number, number, number, number, number];
  return {
    requestsPerSecond: Number(rate[1]),
    succeeded,
    // Requests that never completed (a connection lost midway) count as failed too.
    failed: Math.max(failed + errored + timedOut, total - succeeded),
  };
}
