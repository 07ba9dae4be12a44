import { BlockList, isIP } from "node:net";
import type { FieldViolation } from "../../errors/index.js";

/** Most source networks one API key may list. */
const MAX_CIDRS = 100;

interface Network {
  readonly address: string;
  readonly prefix: number;
  readonly family: "ipv4" | "ipv6";
}

/**
 * Source networks as `<address>/<prefix length>`, IPv4 or IPv6; a bare address means that host only
 * (/32 or /128). Stored normalized (lower-case, always with a prefix length) so the authenticator
 * parses one form.
 */
export function parseCidrs(values: readonly string[]): { cidrs: string[]; violations: FieldViolation[] } {
  const violations: FieldViolation[] = [];
  const cidrs: string[] = [];
  if (values.length > MAX_CIDRS) {
    violations.push({ field: "allowed_cidrs", reason: "TOO_MANY", description: `must list at most ${MAX_CIDRS} networks` });
    return { cidrs, violations };
  }
  values.forEach((value, index) => {
    const network = parseNetwork(value);
    if (network === undefined) {
      violations.push({
        field: `allowed_cidrs[${index}]`,
        reason: "INVALID_CIDR",
        description: "must be an IPv4 or IPv6 network such as 10.0.0.0/8 or 2001:db8::/32",
      });
      return;
    }
    const cidr = `${network.address}/${network.prefix}`;
    if (!cidrs.includes(cidr)) cidrs.push(cidr);
  });
  return { cidrs, violations };
}

/**
 * The networks of `allowed_cidrs` (IPv4 and IPv6, a bare address meaning a single host), or
 * undefined when the list is empty (any address). An entry that does not parse allows nothing.
 */
export function blockListOf(cidrs: readonly string[]): BlockList | undefined {
  if (cidrs.length === 0) return undefined;
  const list = new BlockList();
  for (const cidr of cidrs) {
    const network = parseNetwork(cidr);
    if (network !== undefined) list.addSubnet(network.address, network.prefix, network.family);
  }
  return list;
}

/** Whether `address` (as the listeners report it, without port) lies in one of the networks. */
export function isAddressAllowed(allowed: BlockList | undefined, address: string | undefined): boolean {
  if (allowed === undefined) return true;
  if (address === undefined) return false;
  const version = isIP(address);
  if (version === 0) return false;
  return allowed.check(address, version === 4 ? "ipv4" : "ipv6");
}

/** One network, normalized (lower-case address); undefined when it does not parse. */
function parseNetwork(text: string): Network | undefined {
  const [rawAddress = "", prefixText, ...rest] = text.trim().split("/");
  if (rest.length > 0 || rawAddress.includes("%")) return undefined;
  const version = isIP(rawAddress);
  if (version === 0) return undefined;
  const family = version === 4 ? "ipv4" : "ipv6";
  const maxPrefix = version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? maxPrefix : Number(prefixText);
  if (prefix > maxPrefix) return undefined;
  const address = rawAddress.toLowerCase();
  try {
    new BlockList().addSubnet(address, prefix, family);
  } catch {
    return undefined;
  }
  return { address, prefix, family };
}
