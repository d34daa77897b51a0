/**
 * API keys: the admin key (ADMIN_API_KEY) guards configuration and denies by default; the
 * data-plane key (API_KEY) guards runs, threads and models when set. Keys are compared in
 * constant time: both sides are hashed to 32 bytes first, so neither their content nor their
 * length shows in the comparison time.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { HttpError } from "./errors.js";

/** SHA-256 of a UTF-8 string. */
function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/**
 * Constant-time equality of two secrets of any lengths: hashes both to equal-length digests and
 * compares those with `crypto.timingSafeEqual` (which would throw on unequal lengths).
 */
export function safeEqual(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The key a request presents: the named header, else `Authorization: Bearer <key>`. */
export function presentedKey(request: FastifyRequest, headerName: string): string | undefined {
  const direct = header(request, headerName);
  if (direct !== undefined && direct !== "") return direct;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header(request, "authorization") ?? "");
  return match?.[1];
}

/**
 * A preHandler for admin endpoints: 403 when no ADMIN_API_KEY is configured (deny by default),
 * 401 when the key is missing or wrong.
 */
export function requireAdminKey(adminKey: string | undefined) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (!adminKey) {
      throw new HttpError(
        403,
        "admin_disabled",
        "Changing provider settings over HTTP is disabled: set ADMIN_API_KEY (16+ characters) on the server to enable it.",
      );
    }
    const key = presentedKey(request, "x-admin-key");
    if (key === undefined) {
      reply.header("www-authenticate", 'Bearer realm="admin"');
      throw new HttpError(401, "unauthorized", "This endpoint needs the admin key: send it in the x-admin-key header or as Authorization: Bearer <key>.");
    }
    if (!safeEqual(key, adminKey)) {
      reply.header("www-authenticate", 'Bearer realm="admin", error="invalid_token"');
      throw new HttpError(401, "unauthorized", "The admin key is not valid.");
    }
  };
}

const tenants = new WeakMap<FastifyRequest, string>();
const admins = new WeakSet<FastifyRequest>();

/** The tenant whose key (API_TENANT_KEYS) the request presented; undefined for the default tenant (API_KEY, the admin key, an open API). */
export function tenantOf(request: FastifyRequest): string | undefined {
  return tenants.get(request);
}

/** Whether the request presented the admin key (ADMIN_API_KEY) on a data-plane route: it sees every tenant's threads. */
export function isAdmin(request: FastifyRequest): boolean {
  return admins.has(request);
}

/**
 * A preHandler for data-plane endpoints: open when neither API_KEY nor API_TENANT_KEYS is set,
 * else 401 without one of those keys or the admin key. A tenant's key marks the request as that
 * tenant's (`tenantOf`), the admin key as the admin's (`isAdmin`). Every key is compared, so the
 * time taken does not say which one matched.
 */
export function requireApiKey(apiKey: string | undefined, tenantKeys: Readonly<Record<string, string>> = {}, adminKey?: string) {
  const issued = Object.entries(tenantKeys);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const key = presentedKey(request, "x-api-key");
    const admin = adminKey !== undefined && key !== undefined && safeEqual(key, adminKey);
    if (admin) admins.add(request);
    if (!apiKey && issued.length === 0) return;
    if (key === undefined) {
      reply.header("www-authenticate", 'Bearer realm="api"');
      throw new HttpError(401, "unauthorized", "This endpoint needs the API key: send it in the x-api-key header or as Authorization: Bearer <key>.");
    }
    let tenant: string | undefined;
    for (const [name, k] of issued) if (safeEqual(key, k)) tenant = name;
    const general = apiKey !== undefined && safeEqual(key, apiKey);
    if (tenant !== undefined) tenants.set(request, tenant);
    else if (!general && !admin) {
      reply.header("www-authenticate", 'Bearer realm="api", error="invalid_token"');
      throw new HttpError(401, "unauthorized", "The API key is not valid.");
    }
  };
}
