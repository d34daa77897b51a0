/**
 * SSRF guard for URLs the project is given rather than configured with (provider URLs sent to
 * verify or configure, URLs the http_get tool is asked to fetch). Two checks:
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
 * Which addresses are public is decided by src/net (ipaddr.js range classes).
 */
import { lookup as dnsLookup } from "node:dns/promises";
import type { LookupAddress, LookupOptions } from "node:dns";
import { isIP } from "node:net";
import { forbiddenReason, isLoopbackHost } from "./address.js";
import { Agent, buildConnector } from "undici";
import { AIGatewayAgentsError } from "../errors.js";

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

/**
 * A URL or a connection the guard refused; the message names the rule, never a credential.
 * `stage` says when: `check` before dispatch (checkTargetUrl), `connect` when the guarded Agent
 * refused to open a socket. Code `unsafe_url`, or `unresolvable_url` when the name does not resolve.
 */
export class SsrfError extends AIGatewayAgentsError {
  override readonly name = "SsrfError";
  declare readonly code: "unsafe_url" | "unresolvable_url";
  /** Before dispatch, or at connect time (no socket was opened either way). */
  readonly stage: "check" | "connect";
  constructor(message: string, code: "unsafe_url" | "unresolvable_url" = "unsafe_url", stage: "check" | "connect" = "check") {
    super(message, { code });
    this.stage = stage;
  }
}

/** Default resolver: every A/AAAA answer, in resolver order. */
export const systemLookup: LookupFn = async (hostname) => {
  const found = await dnsLookup(hostname, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/** Whether `address` is a loopback address (127.0.0.0/8, ::1). */
function isLoopbackAddress(address: string): boolean {
  return isIP(address.replace(/^\[|\]$/g, "")) !== 0 && isLoopbackHost(address);
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
  /**
   * Opens the connections the guard let through (default undici's connector with the guarded
   * lookup; a given one gets names only after the guard resolved and checked them). Tests pass
   * one that records and refuses, so a broken guard still opens no socket.
   */
  connector?: buildConnector.connector;
}

/**
 * An undici Agent that checks every connection: names are resolved through the policy's
 * lookup and every address validated (a refused one fails the connection before a socket is
 * opened); IP literals are validated directly, since Node does not resolve them.
 */
export function createGuardedAgent(policy: SsrfPolicy, options: GuardedAgentOptions = {}): Agent {
  const lookupFn = policy.lookup ?? systemLookup;
  const refuse = (host: string, reason: string): SsrfError => {
    options.onBlocked?.(host, reason);
    return new SsrfError(`Connection to '${host}' refused: it resolves to ${reason}.`, "unsafe_url", "connect");
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
  const connector = options.connector ?? buildConnector({ timeout: options.connectTimeoutMs ?? 10_000, lookup: guardedLookup as never });
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
      if (options.connector && isIP(host) === 0) {
        // A given connector resolves names itself: the policy's resolution and check come first.
        resolveWithin(lookupFn, host, policy.lookupTimeoutMs ?? 5_000).then(
          (found) => {
            const bad = found.map((a) => addressProblem(host, a.address, policy)).find((p) => p !== undefined);
            if (found.length === 0 || bad) callback(refuse(host, bad ?? "no address"), null);
            else connector(opts, callback);
          },
          () => callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND", hostname: host }), null),
        );
        return;
      }
      connector(opts, callback);
    },
  });
}
