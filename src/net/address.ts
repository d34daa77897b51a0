/**
 * Address policy shared by every layer that connects to a URL it was given: which IP addresses
 * are public, and which host names name this machine. Range classes come from ipaddr.js; only
 * what it does not class is listed here.
 */
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";

/** Why each non-public range of ipaddr.js is refused. */
const RANGE_REASON: Readonly<Record<string, string>> = {
  unspecified: "an unspecified address",
  broadcast: "the broadcast address",
  multicast: "a multicast address",
  linkLocal: "a link-local address",
  loopback: "a loopback address",
  carrierGradeNat: "a carrier-grade NAT address",
  private: "a private address",
  reserved: "a reserved address",
  benchmarking: "a benchmarking address",
  as112: "an AS112 address",
  amt: "an AMT relay address",
  uniqueLocal: "a unique-local address",
  deprecatedSiteLocal: "a site-local address",
  discard: "a discard-only address",
  orchid2: "an ORCHIDv2 address",
  droneRemoteIdProtocolEntityTags: "a drone remote-ID address",
  segmentRouting: "a segment-routing address",
  ipv4Mapped: "an IPv4-mapped IPv6 address",
  rfc6145: "an IPv4-translated IPv6 address",
  rfc6052: "a NAT64 address",
  "6to4": "a 6to4 address",
  teredo: "a Teredo tunnel address",
};

/** Well-known metadata services, named apart so a refusal says what was at stake. */
const METADATA = new Set(["169.254.169.254", "fd00:ec2::254", "fd00:ec2:0:0:0:0:0:254"]);

/** IPv4-compatible IPv6 (::a.b.c.d, deprecated): ipaddr.js classes it as unicast. */
const IPV4_COMPATIBLE = ipaddr.parseCIDR("::/96");

/** The address without brackets or an IPv6 zone id. */
const bare = (address: string) => address.replace(/^\[|\]$/g, "").split("%")[0];

/**
 * Why `address` must not be connected to, or undefined when it is a public unicast address.
 * Every IPv6 form that carries an IPv4 address (mapped, translated, NAT64, 6to4, Teredo,
 * compatible) is refused whatever the IPv4 address: connect to the IPv4 address itself.
 */
export function forbiddenReason(address: string): string | undefined {
  const text = bare(address);
  if (isIP(text) === 0) return "not an IP address";
  const parsed = ipaddr.parse(text);
  if (METADATA.has(parsed.toNormalizedString()) || METADATA.has(parsed.toString())) return "a cloud metadata address";
  if (parsed.kind() === "ipv6") {
    const v6 = parsed as ipaddr.IPv6;
    if (v6.match(IPV4_COMPATIBLE) && v6.range() === "unicast") return "an IPv4-compatible IPv6 address";
  }
  const range = parsed.range();
  if (range === "unicast") return undefined;
  return RANGE_REASON[range] ?? `a ${range} address`;
}

/** Whether `host` (a name or an address, any case, brackets allowed) names this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = bare(host.toLowerCase()).replace(/\.$/, "");
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  return isIP(h) !== 0 && ipaddr.parse(h).range() === "loopback";
}
