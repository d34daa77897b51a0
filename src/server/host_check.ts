/**
 * DNS-rebinding defence: a page on another site can point a name it controls at 127.0.0.1 and
 * drive a key-less loopback server from the victim's browser. Such requests carry that name in
 * their Host header, so the server answers only Host names that are loopback names or
 * addresses, or listed in ALLOWED_HOSTS; anything else gets 421.
 */
import type { FastifyInstance } from "fastify";
import { isLoopbackHost } from "../net/index.js";
import { errorBody } from "./errors.js";

/** The host part of a Host header value, lower case, brackets kept for IPv6 ("[::1]:8787" -> "[::1]"). */
export function hostOfHeader(value: string): string {
  const v = value.trim().toLowerCase();
  if (v.startsWith("[")) return v.slice(0, v.indexOf("]") + 1);
  const colon = v.indexOf(":");
  return colon === -1 ? v : v.slice(0, colon);
}

/** Whether a request naming `hostHeader` may be served. */
export function isAllowedHost(hostHeader: string | undefined, allowed: readonly string[]): boolean {
  if (!hostHeader) return false;
  const host = hostOfHeader(hostHeader).replace(/\.$/, "");
  return isLoopbackHost(host) || allowed.includes(host);
}

/** Refuses requests whose Host header names neither this machine nor an allowed host. */
export function installHostCheck(app: FastifyInstance, allowed: readonly string[]): void {
  app.addHook("onRequest", async (request, reply) => {
    if (isAllowedHost(request.headers.host, allowed)) return;
    await reply
      .code(421)
      .send(errorBody("misdirected_request", "This server does not answer for that Host name. Add it to ALLOWED_HOSTS if it is yours."));
  });
}
