/**
 * SSRF guard for provider URLs that arrive over HTTP (verify, configure). Two checks:
 *
 * - before dispatch (`checkTargetUrl`): https only (http only to a loopback host, and only
 *   with the development flag), no userinfo, IPv4 written only as a canonical dotted quad, and
 *   every address the host resolves to must be public;
 * - at connect time (`createGuardedAgent`): the undici Agent resolves the name again through
 *   the same policy and refuses to open a socket to anything else, so a name that resolves to a
 *   public address for the check and to a private one for the connection (DNS rebinding) is
 *   still refused. undici's request API never follows redirects, so neither do we.
 *
 * The resolver is injectable (`lookup`), so tests can simulate names and rebinding offline.
 */
import { lookup as dnsLookup } from "node:dns/promises";
import type { LookupAddress, LookupOptions } from "node:dns";
import { BlockList, isIP } from "node:net";
import { Agent, buildConnector } from "undici";

/** One resolved address. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has (default: the system resolver). */
export type LookupFn = (hostname: string) => Promise<ResolvedAddress[]>;

/** What the guard allows. */
export interface SsrfPolicy {
  /** ALLOW_INSECURE_LOOPBACK_PROVIDERS: http and loopback addresses, for a loopback host only. */
  allowInsecureLoopback: boolean;
  /** Name resolution; default `dns.lookup(all)`. */
  lookup?: LookupFn;
  /** Longest wait for a resolution before giving up; default 5000 ms. */
  lookupTimeoutMs?: number;
}

/** A URL the guard refused before dispatch. The message names the rule, never a credential. */
export class SsrfError extends Error {
  override readonly name = "SsrfError";
  /** Stable code for clients and for the error mapping. */
  readonly code: "unsafe_url" | "unresolvable_url";
  constructor(message: string, code: "unsafe_url" | "unresolvable_url" = "unsafe_url") {
    super(message);
    this.code = code;
  }
}

/** A connection the guarded Agent refused at connect time (no socket was opened). */
export class SsrfBlockedError extends Error {
  override readonly name = "SsrfBlockedError";
  /** Node-style code, so transport layers that read `code` see a distinct value. */
  readonly code = "ERR_SSRF_BLOCKED";
}

/** Default resolver: every A/AAAA answer, in resolver order. */
export const systemLookup: LookupFn = async (hostname) => {
  const found = await dnsLookup(hostname, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

interface Range {
  net: string;
  prefix: number;
  family: "ipv4" | "ipv6";
  reason: string;
}

// Order matters only for the reason reported: the narrow metadata ranges come first.
const RANGES: Range[] = [
  { net: "169.254.169.254", prefix: 32, family: "ipv4", reason: "a cloud metadata address" },
  { net: "fd00:ec2::254", prefix: 128, family: "ipv6", reason: "a cloud metadata address" },
  { net: "127.0.0.0", prefix: 8, family: "ipv4", reason: "a loopback address" },
  { net: "::1", prefix: 128, family: "ipv6", reason: "a loopback address" },
  { net: "0.0.0.0", prefix: 8, family: "ipv4", reason: "an unspecified address" },
  { net: "::", prefix: 128, family: "ipv6", reason: "an unspecified address" },
  { net: "10.0.0.0", prefix: 8, family: "ipv4", reason: "a private address" },
  { net: "172.16.0.0", prefix: 12, family: "ipv4", reason: "a private address" },
  { net: "192.168.0.0", prefix: 16, family: "ipv4", reason: "a private address" },
  { net: "100.64.0.0", prefix: 10, family: "ipv4", reason: "a carrier-grade NAT address" },
  { net: "169.254.0.0", prefix: 16, family: "ipv4", reason: "a link-local address" },
  { net: "fe80::", prefix: 10, family: "ipv6", reason: "a link-local address" },
  { net: "fc00::", prefix: 7, family: "ipv6", reason: "a unique-local address" },
  { net: "224.0.0.0", prefix: 4, family: "ipv4", reason: "a multicast address" },
  { net: "ff00::", prefix: 8, family: "ipv6", reason: "a multicast address" },
  { net: "255.255.255.255", prefix: 32, family: "ipv4", reason: "the broadcast address" },
  { net: "240.0.0.0", prefix: 4, family: "ipv4", reason: "a reserved address" },
  { net: "192.0.0.0", prefix: 24, family: "ipv4", reason: "a reserved address" },
  { net: "198.18.0.0", prefix: 15, family: "ipv4", reason: "a reserved address" },
  { net: "192.0.2.0", prefix: 24, family: "ipv4", reason: "a documentation address" },
  { net: "198.51.100.0", prefix: 24, family: "ipv4", reason: "a documentation address" },
  { net: "203.0.113.0", prefix: 24, family: "ipv4", reason: "a documentation address" },
  { net: "2001:db8::", prefix: 32, family: "ipv6", reason: "a documentation address" },
  // Teredo hides an IPv4 address that cannot be checked reliably.
  { net: "2001::", prefix: 32, family: "ipv6", reason: "a Teredo tunnel address" },
];

const LISTS: { list: BlockList; reason: string }[] = RANGES.map((r) => {
  const list = new BlockList();
  list.addSubnet(r.net, r.prefix, r.family);
  return { list, reason: r.reason };
});

/** The eight 16-bit groups of an IPv6 address (zone id dropped), or undefined when it is not one. */
export function ipv6Groups(address: string): number[] | undefined {
  let text = address.replace(/^\[|\]$/g, "").split("%")[0];
  if (isIP(text) !== 6) return undefined;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    // A trailing dotted quad is two groups written another way.
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.includes("::") ? text.split("::") : [text, undefined];
  const parse = (part: string | undefined) => (part ? part.split(":").map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = parse(rest);
  const fill = 8 - left.length - right.length;
  if ((rest === undefined && fill !== 0) || fill < 0) return undefined;
  return [...left, ...new Array<number>(fill).fill(0), ...right];
}

/** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4), if any. */
export function embeddedIPv4(address: string): string | undefined {
  const g = ipv6Groups(address);
  if (!g) return undefined;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && g[5] === 0xffff) return v4(g[6], g[7]); // ::ffff:a.b.c.d
  if (zeros(0, 6) && (g[6] !== 0 || g[7] > 1)) return v4(g[6], g[7]); // ::a.b.c.d (deprecated)
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return v4(g[6], g[7]); // NAT64
  if (g[0] === 0x2002) return v4(g[1], g[2]); // 6to4
  return undefined;
}

/**
 * Why `address` must not be connected to, or undefined when it is a public address.
 * IPv6 forms that carry an IPv4 address are judged by that address.
 */
export function forbiddenReason(address: string): string | undefined {
  const bare = address.replace(/^\[|\]$/g, "").split("%")[0];
  const family = isIP(bare);
  if (family === 0) return "not an IP address";
  if (family === 6) {
    const inner = embeddedIPv4(bare);
    if (inner !== undefined) {
      const reason = forbiddenReason(inner);
      return reason ? `${reason} in IPv6 form` : undefined;
    }
  }
  const type = family === 4 ? "ipv4" : "ipv6";
  for (const { list, reason } of LISTS) if (list.check(bare, type)) return reason;
  return undefined;
}

/** Whether `host` (bare, lower case) names this machine: localhost, *.localhost, 127.0.0.0/8 or ::1. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "").replace(/\.$/, "");
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  if (isIP(h) === 6) return ipv6Groups(h)?.every((g, i) => g === (i === 7 ? 1 : 0)) ?? false;
  return false;
}

function isLoopbackAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, "");
  return isIP(bare) === 4 ? bare.startsWith("127.") : isLoopbackHost(bare);
}

/**
 * Checks the addresses a host resolved to against the policy: all public, or (with the
 * development flag and a loopback host name) all loopback. Returns the refusal reason.
 */
export function addressProblem(host: string, address: string, policy: SsrfPolicy): string | undefined {
  const reason = forbiddenReason(address);
  if (!reason) return undefined;
  if (policy.allowInsecureLoopback && isLoopbackHost(host) && isLoopbackAddress(address)) return undefined;
  return reason;
}

const CANONICAL_IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** The authority exactly as written in `raw` (between "//" and the path), or undefined. */
function writtenAuthority(raw: string): string | undefined {
  return /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(raw)?.[1];
}

/** The host part of an authority without userinfo, lower case. */
function hostOfAuthority(authority: string): string {
  if (authority.startsWith("[")) return authority.slice(0, authority.indexOf("]") + 1).toLowerCase();
  const colon = authority.lastIndexOf(":");
  return (colon === -1 ? authority : authority.slice(0, colon)).toLowerCase();
}

/**
 * Checks a URL's form without any network use; throws SsrfError. `field` names the request
 * field in messages. Returns the parsed URL.
 */
export function checkUrlSyntax(raw: string, policy: SsrfPolicy, field = "url"): URL {
  // WHATWG parsing forgives tabs, backslashes and missing slashes; we do not, so what is
  // checked below is what will be used.
  if (/[\s\\\u0000-\u001f\u007f]/.test(raw)) throw new SsrfError(`${field} contains whitespace, control characters or backslashes.`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new SsrfError(`${field} is not a valid absolute URL.`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new SsrfError(`${field} must be an https URL.`);
  const authority = writtenAuthority(raw);
  if (authority === undefined || authority === "") throw new SsrfError(`${field} must start with https:// and a host name.`);
  if (url.username || url.password || authority.includes("@")) throw new SsrfError(`${field} must not contain a user name or password.`);
  const written = hostOfAuthority(authority);
  const host = url.hostname.toLowerCase();
  if (isIP(host) === 4 && (written !== host || !CANONICAL_IPV4.test(written))) {
    // 2130706433, 0177.0.0.1, 127.1, 0x7f.1 and %-encoded forms all parse to a dotted quad.
    throw new SsrfError(`${field} writes an IPv4 address in a non-canonical form; use a host name or a plain dotted address.`);
  }
  const literal = host.replace(/^\[|\]$/g, "");
  if (isIP(literal) === 0 && isLoopbackHost(literal) && !policy.allowInsecureLoopback) {
    throw new SsrfError(`${field} points to a loopback host, which provider URLs may not use.`);
  }
  if (isIP(literal) !== 0) {
    const problem = addressProblem(literal, literal, policy);
    if (problem) throw new SsrfError(`${field} points to ${problem}, which provider URLs may not use.`);
  }
  if (url.protocol === "http:" && !(policy.allowInsecureLoopback && isLoopbackHost(host))) {
    throw new SsrfError(
      policy.allowInsecureLoopback
        ? `${field} must use https (plain http is allowed only to a loopback host).`
        : `${field} must use https (plain http to loopback needs ALLOW_INSECURE_LOOPBACK_PROVIDERS=true, for development only).`,
    );
  }
  return url;
}

async function resolveWithin(lookup: LookupFn, host: string, timeoutMs: number): Promise<ResolvedAddress[]> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("timeout")), timeoutMs);
  });
  try {
    return await Promise.race([lookup(host), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Full pre-dispatch check: syntax (see `checkUrlSyntax`), then every address the host
 * resolves to. Throws SsrfError (`unsafe_url`, or `unresolvable_url` when the name does not resolve).
 */
export async function checkTargetUrl(raw: string, policy: SsrfPolicy, field = "url"): Promise<URL> {
  const url = checkUrlSyntax(raw, policy, field);
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, "");
  if (isIP(host) !== 0) return url;
  let addresses: ResolvedAddress[];
  try {
    addresses = await resolveWithin(policy.lookup ?? systemLookup, host, policy.lookupTimeoutMs ?? 5_000);
  } catch {
    throw new SsrfError(`The host of ${field} could not be resolved; check the URL, the DNS or the VPN.`, "unresolvable_url");
  }
  if (addresses.length === 0) throw new SsrfError(`The host of ${field} has no address.`, "unresolvable_url");
  for (const a of addresses) {
    const problem = addressProblem(host, a.address, policy);
    if (problem) throw new SsrfError(`The host of ${field} resolves to ${problem}, which provider URLs may not use.`);
  }
  return url;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address?: string | LookupAddress[], family?: number) => void;

/** Options of `createGuardedAgent`. */
export interface GuardedAgentOptions {
  /** TCP/TLS connect timeout; default 10 s. */
  connectTimeoutMs?: number;
  /** Called (with the host and the reason) each time a connection is refused. */
  onBlocked?: (host: string, reason: string) => void;
}

/**
 * An undici Agent that checks every connection: names are resolved through the policy's
 * lookup and every address validated (a refused one fails the connection before a socket is
 * opened); IP literals are validated directly, since Node does not resolve them.
 */
export function createGuardedAgent(policy: SsrfPolicy, options: GuardedAgentOptions = {}): Agent {
  const lookupFn = policy.lookup ?? systemLookup;
  const refuse = (host: string, reason: string): SsrfBlockedError => {
    options.onBlocked?.(host, reason);
    return new SsrfBlockedError(`Connection to '${host}' refused: it resolves to ${reason}.`);
  };
  const guardedLookup = (hostname: string, lookupOptions: LookupOptions, callback: LookupCallback): void => {
    resolveWithin(lookupFn, hostname, policy.lookupTimeoutMs ?? 5_000).then(
      (found) => {
        const bad = found.map((a) => addressProblem(hostname, a.address, policy)).find((p) => p !== undefined);
        if (found.length === 0 || bad) {
          callback(refuse(hostname, bad ?? "no address") as NodeJS.ErrnoException);
          return;
        }
        const wanted = lookupOptions?.family === 4 || lookupOptions?.family === 6 ? found.filter((a) => a.family === lookupOptions.family) : found;
        const list = wanted.length > 0 ? wanted : found;
        if (lookupOptions?.all) callback(null, list.map((a) => ({ address: a.address, family: a.family })));
        else callback(null, list[0].address, list[0].family);
      },
      () => {
        const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND", hostname });
        callback(err);
      },
    );
  };
  const connector = buildConnector({ timeout: options.connectTimeoutMs ?? 10_000, lookup: guardedLookup as never });
  return new Agent({
    connect: (opts, callback) => {
      const host = opts.hostname.replace(/^\[|\]$/g, "");
      if (isIP(host) !== 0) {
        const problem = addressProblem(host, host, policy);
        if (problem) {
          callback(refuse(host, problem), null);
          return;
        }
      }
      connector(opts, callback);
    },
  });
}
