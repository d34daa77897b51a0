/**
 * The one plain-http rule for URLs that carry a credential (the gateway's API base, its token
 * endpoint and issuer, MCP server URLs and their token endpoints): https, or plain http to a
 * loopback host (which never leaves the machine), or plain http anywhere only when the caller
 * passes an explicit insecure flag. Loopback is judged by `isLoopbackHost`, the same function
 * the SSRF guard uses, so an IPv4-mapped form such as `[::ffff:127.0.0.1]` is not loopback here
 * either: it is refused, like every other address that hides an IPv4 address behind IPv6.
 */
import { isLoopbackHost } from "./address.js";

/** Why a URL may not carry a credential: not http(s) at all, or plain http to a non-loopback host. */
export type PlainHttpProblem = "unsupported_scheme" | "plain_http";

/**
 * What is wrong with sending a credential to `url`, or undefined when it may carry one.
 * `allowInsecureHttp` is the explicit development flag (AI_GATEWAY_ALLOW_INSECURE_HTTP).
 */
export function plainHttpProblem(url: string | URL, allowInsecureHttp = false): PlainHttpProblem | undefined {
  let parsed: URL;
  try {
    parsed = typeof url === "string" ? new URL(url) : url;
  } catch {
    return "unsupported_scheme";
  }
  if (parsed.protocol === "https:") return undefined;
  if (parsed.protocol !== "http:") return "unsupported_scheme";
  if (allowInsecureHttp || isLoopbackHost(parsed.hostname)) return undefined;
  return "plain_http";
}

/** Whether `url` may carry a credential under the rule above. */
export function mayCarryCredentials(url: string | URL, allowInsecureHttp = false): boolean {
  return plainHttpProblem(url, allowInsecureHttp) === undefined;
}
