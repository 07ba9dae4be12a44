import { createContextKey } from "@connectrpc/connect";

/**
 * The caller's IP address (no port), set by both listeners on every call.
 * Undefined when the transport has no IP peer (e.g. a unix socket).
 */
export const peerAddressKey = createContextKey<string | undefined>(undefined, {
  description: "peer IP address",
});

const ipv4MappedPrefix = "::ffff:";

/** Normalises a socket's remoteAddress: IPv4 clients of a dual-stack socket appear as `::ffff:a.b.c.d`. */
export function peerAddressOf(remoteAddress: string | undefined): string | undefined {
  if (remoteAddress === undefined || remoteAddress === "") return undefined;
  const lower = remoteAddress.toLowerCase();
  if (lower.startsWith(ipv4MappedPrefix) && lower.includes(".")) {
    return remoteAddress.slice(ipv4MappedPrefix.length);
  }
  return remoteAddress;
}

/**
 * grpc-js reports the peer as `${remoteAddress}:${remotePort}` (IPv6 unbracketed),
 * or "unknown" without an IP socket, so the port is whatever follows the last colon.
 */
export function peerAddressOfGrpcPeer(peer: string): string | undefined {
  const portSeparator = peer.lastIndexOf(":");
  if (portSeparator <= 0 || !/^\d+$/.test(peer.slice(portSeparator + 1))) return undefined;
  return peerAddressOf(peer.slice(0, portSeparator));
}
