import { existsSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { EmulatorHandle } from "../../src/emulator/index.js";
import { ProviderRegistry } from "../../src/providers/index.js";
import { request } from "undici";
import { createGuardedAgent, type LookupFn } from "../../src/net/index.js";
import { emulator, silentLogger } from "../helpers/gateway.js";
import { ADMIN_KEY, build, countingServer, tempDir, type CountingServer } from "./server_helpers.js";

const PUBLIC = [{ address: "93.184.216.34", family: 4 as const }];
const LOOPBACK = [{ address: "127.0.0.1", family: 4 as const }];

const tmp = tempDir();
let emu: EmulatorHandle;
let registry: ProviderRegistry;
let app: FastifyInstance;
/** Where a successful SSRF would land: every connection it receives is counted. */
let victim: CountingServer;
/** The resolver the server uses; tests swap its behaviour. No real DNS query is made. */
let resolve: LookupFn = async () => PUBLIC;
const lookup = vi.fn<LookupFn>((host) => resolve(host));

beforeAll(async () => {
  emu = await emulator();
  registry = await ProviderRegistry.create({
    env: { AI_GATEWAY_BASE_URL: emu.baseUrl, AI_GATEWAY_CLIENT_ID: emu.clientId, AI_GATEWAY_CLIENT_SECRET: emu.clientSecret },
    logger: silentLogger,
  });
  victim = await countingServer((_req, res) => res.end("{}"));
  // The development flag is off: loopback is forbidden like any private address.
  app = await build(tmp.dir, { ADMIN_API_KEY: ADMIN_KEY, VERIFY_RATE_LIMIT_MAX: "1000" }, { registry, lookup, logger: silentLogger });
});
afterEach(() => {
  vi.restoreAllMocks();
  lookup.mockClear();
  resolve = async () => PUBLIC;
});
afterAll(async () => {
  await app.close();
  await registry.close();
  await emu.close();
  await victim.close();
  tmp.cleanup();
});

const verify = (payload: unknown) => app.inject({ method: "POST", url: "/api/providers/verify", payload: payload as object });
const configure = (payload: unknown) =>
  app.inject({ method: "POST", url: "/api/providers/configure", payload: payload as object, headers: { "x-admin-key": ADMIN_KEY } });

describe("SSRF: refused before anything is dispatched", () => {
  const loopbackForms = () => [
    ["localhost", `http://localhost:${victim.port}/v1`],
    ["127.1", `http://127.1:${victim.port}/v1`],
    ["decimal", `http://2130706433:${victim.port}/v1`],
    ["octal", `http://0177.0.0.1:${victim.port}/v1`],
    ["hex", `http://0x7f.0.0.1:${victim.port}/v1`],
    ["IPv4-mapped IPv6", `http://[::ffff:127.0.0.1]:${victim.port}/v1`],
    ["https to IPv4-mapped IPv6", `https://[::ffff:7f00:1]:${victim.port}/v1`],
    ["plain loopback without the flag", `http://127.0.0.1:${victim.port}/v1`],
    ["https loopback without the flag", `https://127.0.0.1:${victim.port}/v1`],
  ];

  it("rejects every loopback form, for verify and configure, without a connection", async () => {
    const spy = vi.spyOn(registry, "verify");
    for (const [name, url] of loopbackForms()) {
      const res = await verify({ provider: "openai", credentials: { apiKey: "sk-ssrf-test-0123456789", baseUrl: url } });
      expect(res.statusCode, name).toBe(400);
      expect(res.json().error, name).toMatchObject({ code: "unsafe_url", fields: [{ path: "credentials.baseUrl" }] });
      const conf = await configure({ provider: "openai", settings: { apiKey: "sk-ssrf-test-0123456789", baseUrl: url } });
      expect(conf.statusCode, name).toBe(400);
      expect(conf.json().error.code, name).toBe("unsafe_url");
    }
    expect(spy).not.toHaveBeenCalled();
    expect(victim.connections()).toBe(0);
    expect(existsSync(join(tmp.dir, "providers.json"))).toBe(false);
  });

  it.each([
    ["cloud metadata", "http://169.254.169.254/latest/meta-data/"],
    ["cloud metadata over https", "https://169.254.169.254/"],
    ["IPv6 metadata", "https://[fd00:ec2::254]/"],
    ["private", "https://10.0.0.8/v1"],
    ["CGNAT", "https://100.64.0.1/v1"],
    ["link-local IPv6", "https://[fe80::1]/v1"],
    ["userinfo", "https://user:pass@api.example.com/v1"],
  ])("rejects %s before any lookup or request", async (_name, url) => {
    const spy = vi.spyOn(registry, "verify");
    const res = await verify({ provider: "gateway", credentials: { baseUrl: url, clientId: "client", clientSecret: "secret-0123456789" } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe("unsafe_url");
    expect(spy).not.toHaveBeenCalled();
    expect(lookup).not.toHaveBeenCalled();
  });

  it("checks the token URL too", async () => {
    const spy = vi.spyOn(registry, "verify");
    const res = await verify({
      provider: "gateway",
      credentials: { baseUrl: "https://gateway.example", tokenUrl: "http://169.254.169.254/token", clientId: "c", clientSecret: "secret-0123456789" },
    });
    expect(res.json().error).toMatchObject({ code: "unsafe_url", fields: [{ path: "credentials.tokenUrl" }] });
    expect(spy).not.toHaveBeenCalled();
  });

  it("rejects a host name that resolves to loopback (resolved through the injected lookup)", async () => {
    resolve = async () => LOOPBACK;
    const spy = vi.spyOn(registry, "verify");
    const res = await verify({ provider: "openai", credentials: { apiKey: "sk-ssrf-test-0123456789", baseUrl: `https://internal.example:${victim.port}/v1` } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/resolves to a loopback address/);
    expect(lookup).toHaveBeenCalledWith("internal.example");
    expect(spy).not.toHaveBeenCalled();
    expect(victim.connections()).toBe(0);
  });

  it("rejects a host name with one private address among public ones", async () => {
    resolve = async () => [...PUBLIC, { address: "fd12::1", family: 6 }];
    const res = await verify({ provider: "ollama", credentials: { baseUrl: "https://mixed.example" } });
    expect(res.json().error.message).toMatch(/unique-local/);
  });
});

describe("SSRF: DNS rebinding is caught at connect time", () => {
  const rebinding = () => {
    let calls = 0;
    // Public for the pre-dispatch check, loopback (the victim) for the connection.
    resolve = async () => (++calls === 1 ? PUBLIC : LOOPBACK);
  };

  it("verify of a vendor key: the check passes, the connection is refused", async () => {
    rebinding();
    const spy = vi.spyOn(registry, "verify");
    const res = await verify({ provider: "openai", credentials: { apiKey: "sk-ssrf-test-0123456789", baseUrl: `https://rebind.example:${victim.port}/v1` } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ ok: false, error: { code: "unsafe_url" } });
    expect(spy).toHaveBeenCalledTimes(1);
    expect(lookup.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(victim.connections()).toBe(0);
  });

  it("verify of gateway credentials: the token request is refused", async () => {
    rebinding();
    const res = await verify({ provider: "gateway", credentials: { baseUrl: `https://rebind.example:${victim.port}`, clientId: "c", clientSecret: "rebind-secret-0123456789" } });
    expect(res.json()).toMatchObject({ ok: false, error: { code: "unsafe_url" } });
    expect(victim.connections()).toBe(0);
  });

  it("configure: the saved gateway's own calls (discovery) go through the guard", async () => {
    rebinding();
    const res = await configure({ provider: "gateway", settings: { baseUrl: `https://rebind.example:${victim.port}`, clientId: "c", clientSecret: "rebind-secret-0123456789" } });
    expect(res.statusCode).toBe(200);
    expect(res.json().discovery).toMatchObject({ ok: false });
    const status = (await app.inject("/api/providers")).json().providers.find((p: { provider: string }) => p.provider === "gateway");
    expect(status).toMatchObject({ guarded: true, source: "store" });
    // Later calls are refused the same way: nothing ever reaches the victim.
    expect((await verify({ provider: "gateway" })).json()).toMatchObject({ ok: false, error: { code: "unsafe_url" } });
    expect(victim.connections()).toBe(0);
  });
});

describe("SSRF: redirects are not followed, upstream bodies are not echoed", () => {
  let dev: FastifyInstance;
  let target: CountingServer;
  let redirector: CountingServer;
  const d = tempDir();
  beforeAll(async () => {
    target = await countingServer((_req, res) => res.end('{"object":"list","data":[]}'));
    redirector = await countingServer((req, res) => {
      if (req.url?.includes("echo")) {
        res.writeHead(401, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: "UPSTREAM-SECRET-MARKER you sent sk-echo-me", code: "UPSTREAM-CODE-MARKER" } }));
        return;
      }
      res.writeHead(302, { location: `${target.url}/stolen` });
      res.end("UPSTREAM-SECRET-MARKER redirect body");
    });
    // With the development flag loopback is reachable, so only the redirect rule can stop this.
    dev = await build(d.dir, { ALLOW_INSECURE_LOOPBACK_PROVIDERS: "true", VERIFY_RATE_LIMIT_MAX: "1000" });
  });
  afterAll(async () => {
    await dev.close();
    await target.close();
    await redirector.close();
    d.cleanup();
  });
  const devVerify = (payload: unknown) => dev.inject({ method: "POST", url: "/api/providers/verify", payload: payload as object });

  it("a vendor models endpoint answering 302 to a private address is not followed", async () => {
    const res = await devVerify({ provider: "openai", credentials: { apiKey: "sk-redirect-0123456789", baseUrl: `${redirector.url}/v1` } });
    expect(res.json()).toMatchObject({ ok: false, error: { code: "redirect" } });
    expect(redirector.connections()).toBeGreaterThan(0);
    expect(target.connections()).toBe(0);
    expect(res.body).not.toContain("UPSTREAM-SECRET-MARKER");
  });

  it("a token endpoint answering 302 is not followed either", async () => {
    const res = await devVerify({ provider: "gateway", credentials: { baseUrl: redirector.url, clientId: "c", clientSecret: "redirect-secret-0123456789" } });
    expect(res.json().ok).toBe(false);
    expect(redirector.requests.some((r) => r.url === "/oauth2/token")).toBe(true);
    expect(target.connections()).toBe(0);
  });

  it("an upstream error body is replaced by a code and a generic message", async () => {
    const res = await devVerify({ provider: "openai", credentials: { apiKey: "sk-echo-me-0123456789", baseUrl: `${redirector.url}/echo` } });
    expect(res.json()).toEqual({ provider: "openai", ok: false, latencyMs: expect.any(Number), error: { code: "auth", message: "The provider rejected the credentials." } });
    expect(res.body).not.toMatch(/UPSTREAM|sk-echo-me/);
    const gw = await devVerify({ provider: "gateway", credentials: { baseUrl: `${redirector.url}/echo`, apiKey: "gw-echo-key-0123456789" } });
    expect(gw.json().ok).toBe(false);
    expect(gw.body).not.toMatch(/UPSTREAM|gw-echo-key/);
  });
});

describe("the guarded Agent on its own", () => {
  it("refuses loopback literals and names at connect time unless the flag allows loopback names", async () => {
    const blocked: string[] = [];
    const strict = createGuardedAgent({ allowInsecureLoopback: false, lookup: async () => LOOPBACK }, { onBlocked: (host) => blocked.push(host) });
    const dev = createGuardedAgent({ allowInsecureLoopback: true, lookup: async () => LOOPBACK });
    try {
      const before = victim.connections();
      await expect(request(`${victim.url}/x`, { dispatcher: strict })).rejects.toMatchObject({ name: "SsrfError", code: "unsafe_url", stage: "connect" });
      await expect(request(`http://victim.example:${victim.port}/x`, { dispatcher: strict })).rejects.toThrow(/refused/);
      // With the flag, a loopback literal or localhost may connect; a public-looking name resolving to loopback may not.
      await expect(request(`http://victim.example:${victim.port}/x`, { dispatcher: dev })).rejects.toThrow(/refused/);
      expect(victim.connections()).toBe(before);
      expect(blocked).toEqual(["127.0.0.1", "victim.example"]);
      const ok = await request(`http://localhost:${victim.port}/x`, { dispatcher: dev });
      expect(ok.statusCode).toBe(200);
      await ok.body.dump();
      expect(victim.connections()).toBe(before + 1);
    } finally {
      await strict.close();
      await dev.close();
    }
  });
});
