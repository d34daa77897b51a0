import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../../src/emulator/index.js";
import { emulator } from "../helpers/gateway.js";
import { ADMIN_KEY, build, countingServer, tempDir } from "./server_helpers.js";

const STATIC_KEY = "sk-emulator-static-key-0123456789";
const tmp = tempDir();
const storePath = join(tmp.dir, "providers.json");
let target: EmulatorHandle;
let app: FastifyInstance;

beforeAll(async () => {
  // The gateway an admin points the server at (loopback, so the development flag is on).
  target = await emulator({ staticApiKeys: [STATIC_KEY] });
  app = await build(tmp.dir, { ADMIN_API_KEY: ADMIN_KEY, ALLOW_INSECURE_LOOPBACK_PROVIDERS: "true", VERIFY_RATE_LIMIT_MAX: "100" });
});
afterAll(async () => {
  await app.close();
  await target.close();
  tmp.cleanup();
});

const verify = (payload: unknown) => app.inject({ method: "POST", url: "/api/providers/verify", payload: payload as object });
const configure = (payload: unknown, key: string | null = ADMIN_KEY, header = "x-admin-key") =>
  app.inject({ method: "POST", url: "/api/providers/configure", payload: payload as object, headers: key === null ? {} : { [header]: key } });
const gatewayStatus = async () => (await app.inject("/api/providers")).json().providers.find((p: { provider: string }) => p.provider === "gateway");

describe("POST /api/providers/verify", () => {
  it("checks gateway credentials in the new shape without saving them", async () => {
    const before = target.stats().tokenRequests;
    const res = await verify({ provider: "gateway", credentials: { baseUrl: target.baseUrl, clientId: target.clientId, clientSecret: target.clientSecret } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ provider: "gateway", ok: true });
    expect(res.json().modelCount).toBeGreaterThan(0);
    expect(target.stats().tokenRequests).toBe(before + 1);
    expect(existsSync(storePath)).toBe(false);
    expect((await gatewayStatus()).settings.baseUrl).not.toBe(target.baseUrl);
  });

  it("accepts the legacy shape (api_key is the client id)", async () => {
    const res = await verify({ provider: "ai_gateway", api_key: target.clientId, client_secret: target.clientSecret, base_url: target.baseUrl, token_url: target.tokenUrl });
    expect(res.json()).toMatchObject({ provider: "gateway", ok: true });
    const wrong = await verify({ provider: "ai_gateway", api_key: target.clientId, client_secret: "not-the-secret-0000", base_url: target.baseUrl });
    expect(wrong.json()).toMatchObject({ ok: false, error: { code: "auth", message: "The provider rejected the credentials." } });
  });

  it("names the legacy fields in validation errors", async () => {
    const res = await verify({ provider: "ai_gateway", api_key: "client-only", base_url: target.baseUrl });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.fields).toEqual([{ path: "client_secret", message: "is required (or send apiKey)" }]);
  });

  it("checks an OpenAI-compatible key, and reports a wrong one", async () => {
    const ok = await verify({ provider: "openai", credentials: { apiKey: STATIC_KEY, baseUrl: target.apiUrl } });
    expect(ok.json()).toMatchObject({ provider: "openai", ok: true, modelCount: expect.any(Number) });
    const bad = await verify({ provider: "openai", credentials: { apiKey: "sk-wrong-key-0000000000", baseUrl: target.apiUrl } });
    expect(bad.json()).toMatchObject({ ok: false, error: { code: "auth" } });
  });

  it("accepts the legacy shape for a vendor key, and checks an Ollama URL", async () => {
    const legacy = await verify({ provider: "openai", api_key: STATIC_KEY, base_url: target.apiUrl });
    expect(legacy.json()).toMatchObject({ provider: "openai", ok: true });
    const ollama = await countingServer((req, res) => {
      res.writeHead(req.url === "/api/tags" ? 200 : 404, { "content-type": "application/json" });
      res.end(JSON.stringify({ models: [{ name: "llama3.1" }] }));
    });
    try {
      expect((await verify({ provider: "ollama", credentials: { baseUrl: ollama.url } })).json()).toEqual({ provider: "ollama", ok: true, latencyMs: expect.any(Number), modelCount: 1 });
      expect(ollama.requests).toEqual([{ method: "GET", url: "/api/tags" }]);
    } finally {
      await ollama.close();
    }
  });

  it("checks the current settings when no credentials are sent", async () => {
    const res = await verify({ provider: "gateway" });
    expect(res.json()).toMatchObject({ provider: "gateway", ok: true });
    expect((await verify({ provider: "anthropic" })).json()).toMatchObject({ ok: false, error: { code: "not_configured" } });
  });

  it("rejects bad bodies with a message per field", async () => {
    const res = await verify({ provider: "openai", credentials: { apiKey: "", baseUrl: 7, extra: 1 } });
    expect(res.statusCode).toBe(400);
    const paths = res.json().error.fields.map((f: { path: string }) => f.path).sort();
    expect(paths).toEqual(["credentials.apiKey", "credentials.baseUrl", "credentials.extra"]);
    const unknownProvider = await verify({ provider: "skynet" });
    expect(unknownProvider.json().error.fields[0]).toMatchObject({ path: "provider" });
  });
});

describe("POST /api/providers/configure: admin key", () => {
  it("is denied by default when ADMIN_API_KEY is not set", async () => {
    const d = tempDir();
    const open = await build(d.dir);
    try {
      const res = await open.inject({ method: "POST", url: "/api/providers/configure", payload: { provider: "openai", settings: { enabled: false } }, headers: { "x-admin-key": "anything-at-all-123" } });
      expect(res.statusCode).toBe(403);
      expect(res.json().error).toMatchObject({ code: "admin_disabled" });
      expect(res.json().error.message).toContain("set ADMIN_API_KEY");
      expect(existsSync(join(d.dir, "providers.json"))).toBe(false);
    } finally {
      await open.close();
      d.cleanup();
    }
  });

  it("rejects a missing key, a wrong key of any length, and accepts x-admin-key or a bearer token", async () => {
    const change = { provider: "anthropic", settings: { enabled: false } };
    const missing = await configure(change, null);
    expect(missing.statusCode).toBe(401);
    expect(missing.json().error.code).toBe("unauthorized");
    for (const wrong of ["x", ADMIN_KEY.slice(0, -1), `${ADMIN_KEY}0`, ADMIN_KEY.replace(/.$/, "!"), "k".repeat(5000)]) {
      expect((await configure(change, wrong)).statusCode, wrong.slice(0, 20)).toBe(401);
    }
    expect(existsSync(storePath)).toBe(false);
    expect((await configure(change, `Bearer ${ADMIN_KEY}`, "authorization")).statusCode).toBe(200);
    expect((await configure(change)).statusCode).toBe(200);
  });
});

describe("POST /api/providers/configure: changes", () => {
  it("switches the gateway, saves the store (0600, valid JSON), reruns discovery and retires the emulator", async () => {
    expect((await app.inject("/api/providers")).json().simulated).toBe(true);
    const res = await configure({ provider: "gateway", settings: { baseUrl: target.baseUrl, clientId: target.clientId, clientSecret: target.clientSecret } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ provider: "gateway", saved: true, simulated: false, discovery: { ok: true } });
    expect(body.status.settings.baseUrl).toBe(target.baseUrl);
    expect(JSON.stringify(body)).not.toContain(target.clientSecret);

    expect(statSync(storePath).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(readFileSync(storePath, "utf8"));
    expect(stored.providers.gateway).toMatchObject({ baseUrl: target.baseUrl, clientId: target.clientId, clientSecret: target.clientSecret });

    const gateway = await gatewayStatus();
    expect(gateway).toMatchObject({ source: "store", guarded: true, configured: true });
    // A run now goes to the configured gateway, through the guarded dispatcher.
    const chats = target.stats().chatRequests;
    const run = await app.inject({ method: "POST", url: "/api/runs", payload: { task: "What is 12.5% of 3,480?" } });
    expect(run.statusCode).toBe(200);
    // The configured gateway is another emulator: the in-process one is retired (readyz), and the
    // answer is still marked simulated because the emulator that gave it says so in its header.
    expect(run.json().result).toMatchObject({ provider: "gateway", simulated: true });
    expect(target.stats().chatRequests).toBeGreaterThan(chats);
    expect((await app.inject("/readyz")).json()).toMatchObject({ status: "ready", simulated: false });
  });

  it("refuses a new base URL without the secret, and leaves the store alone", async () => {
    const before = readFileSync(storePath, "utf8");
    const res = await configure({ provider: "gateway", settings: { baseUrl: "http://127.0.0.1:9/" } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe("secret_required");
    expect(res.json().error.message).toMatch(/never sent to a new URL/);
    const token = await configure({ provider: "gateway", settings: { tokenUrl: "http://127.0.0.1:9/token" } });
    expect(token.json().error.code).toBe("secret_required");
    expect(readFileSync(storePath, "utf8")).toBe(before);
  });

  it("with verify: true saves nothing when the check fails", async () => {
    const before = readFileSync(storePath, "utf8");
    const res = await configure({ provider: "gateway", verify: true, settings: { clientSecret: "definitely-wrong-secret" } });
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatchObject({ code: "verification_failed" });
    expect(readFileSync(storePath, "utf8")).toBe(before);
    expect((await verify({ provider: "gateway" })).json().ok).toBe(true);
  });

  it("configures a fallback provider and validates settings strictly", async () => {
    const bad = await configure({ provider: "openai", settings: { apiKey: STATIC_KEY, model: "gpt-9" } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.fields).toEqual([{ path: "settings.model", message: "is not a known field" }]);
    const empty = await configure({ provider: "openai", settings: {} });
    expect(empty.json().error.fields[0]).toMatchObject({ path: "settings" });
    const ok = await configure({ provider: "openai", settings: { apiKey: STATIC_KEY, baseUrl: target.apiUrl } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().status).toMatchObject({ provider: "openai", configured: true, settings: { baseUrl: target.apiUrl } });
    expect(ok.json().status.settings.apiKey).not.toBe(STATIC_KEY);
    expect(JSON.parse(readFileSync(storePath, "utf8")).providers.openai).toMatchObject({ apiKey: STATIC_KEY });
  });
});

describe("verify rate limit", () => {
  it("answers 429 in JSON after VERIFY_RATE_LIMIT_MAX checks per IP", async () => {
    const d = tempDir();
    const limited = await build(d.dir, { VERIFY_RATE_LIMIT_MAX: "2" });
    try {
      const call = () => limited.inject({ method: "POST", url: "/api/providers/verify", payload: { provider: "ollama" } });
      expect((await call()).statusCode).toBe(200);
      expect((await call()).statusCode).toBe(200);
      const third = await call();
      expect(third.statusCode).toBe(429);
      expect(third.json().error.code).toBe("rate_limited");
      expect(Number(third.headers["retry-after"])).toBeGreaterThan(0);
      // Other endpoints are not limited.
      expect((await limited.inject("/api/models")).statusCode).toBe(200);
    } finally {
      await limited.close();
      d.cleanup();
    }
  });
});
