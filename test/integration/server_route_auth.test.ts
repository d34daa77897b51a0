/**
 * Every route of the HTTP server, read from Fastify's own route table, answers 401 to a request
 * without a key, except the few that are public by design. A route added later without an auth
 * check fails here without anyone having to remember to list it.
 */
import type { FastifyInstance, RouteOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ADMIN_KEY, API_KEY, build, tempDir } from "./server_helpers.js";

/** Every route registered on any Fastify instance made in this file (filled by the onRoute hook). */
const registered = vi.hoisted(() => [] as { method: string; url: string }[]);

// The server registers its routes inside buildServer; an onRoute hook added as the instance is
// created is the one public way to see each of them as it is added.
vi.mock("fastify", async (importOriginal) => {
  const original = await importOriginal<typeof import("fastify")>();
  const create = ((options?: Parameters<typeof original.default>[0]) => {
    const app = original.default(options);
    app.addHook("onRoute", (route: RouteOptions) => {
      for (const method of [route.method].flat()) registered.push({ method, url: route.url });
    });
    return app;
  }) as typeof original.default;
  return { ...original, default: create };
});

/** Routes anyone may call: liveness and readiness probes, and the console's static page and assets (which hold no data). */
const PUBLIC = new Set(["/", "/healthz", "/readyz", "/console.css", "/console.js"]);

const d = tempDir();
let app: FastifyInstance;
beforeAll(async () => {
  app = await build(d.dir, { API_KEY, ADMIN_API_KEY: ADMIN_KEY });
  await app.ready();
}, 60_000);
afterAll(async () => {
  await app?.close();
  d.cleanup();
});

describe("the route table without a key", () => {
  it("finds the data-plane, MCP and admin routes (the table is read, not assumed)", () => {
    const routes = registered.map((r) => `${r.method} ${r.url}`);
    expect(routes).toEqual(expect.arrayContaining(["GET /api/threads", "GET /api/threads/:id", "POST /api/runs", "POST /mcp", "GET /api/models", "POST /api/providers/configure"]));
  });

  it("answers 401 on every route outside the public list", async () => {
    const guarded = registered.filter((r) => !PUBLIC.has(r.url));
    expect(guarded.length).toBeGreaterThan(10);
    const statuses: string[] = [];
    for (const { method, url } of guarded) {
      const path = url.replace(/:[A-Za-z_]+/g, "thread-1");
      const body = method === "GET" || method === "HEAD" || method === "DELETE" ? {} : { payload: {} };
      const res = await app.inject({ method: method as "GET", url: path, ...body });
      statuses.push(`${method} ${url} -> ${res.statusCode}`);
    }
    expect(statuses).toEqual(guarded.map((r) => `${r.method} ${r.url} -> 401`));
  });

  it("serves the public routes without a key", async () => {
    for (const url of PUBLIC) expect((await app.inject({ url })).statusCode, url).toBe(200);
  });
});
