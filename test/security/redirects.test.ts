/**
 * No provider call follows a redirect. Before, the OpenAI, Anthropic and Ollama SDK calls went
 * through undici's default `redirect: "follow"`, so a server answering 307 had Anthropic's
 * x-api-key sent to the redirect's origin. And Gemini's SDK, which takes no fetch, could be given
 * a URL over HTTP that no guard covered.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadProviderSdks, ProviderRegistry } from "../../src/providers/index.js";
import { silentLogger } from "../helpers/gateway.js";
import { build, countingServer, tempDir, type CountingServer } from "../integration/server_helpers.js";

// These registries are built with `new` (no discovery), so the vendor SDKs are loaded here.
await loadProviderSdks();

const KEYS = { openai: "sk-openai-redirect-0123456789", anthropic: "sk-ant-redirect-0123456789", ollama: "" };
let target: CountingServer;
let redirector: CountingServer;

beforeAll(async () => {
  // Where the redirect points: it must see no request at all.
  target = await countingServer((_req: IncomingMessage, res: ServerResponse) => res.writeHead(200, { "content-type": "application/json" }).end("{}"));
  redirector = await countingServer((req, res) => res.writeHead(307, { location: `${target.url}${req.url ?? "/"}` }).end());
});
afterAll(async () => {
  await redirector.close();
  await target.close();
});

describe("vendor SDK calls", () => {
  it.each([
    ["openai", { OPENAI_API_KEY: KEYS.openai, OPENAI_BASE_URL: "" }],
    ["anthropic", { ANTHROPIC_API_KEY: KEYS.anthropic, ANTHROPIC_BASE_URL: "" }],
    ["ollama", { OLLAMA_BASE_URL: "" }],
  ] as const)("%s: a 307 is an error naming the target, and the target sees nothing", async (provider, env) => {
    const base = provider === "openai" ? `${redirector.url}/v1` : redirector.url;
    const filled = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === "" ? base : v]));
    const registry = new ProviderRegistry({ env: { ...filled, PROVIDER_ORDER: provider }, logger: silentLogger, discovery: { enabled: false } });
    try {
      const before = redirector.requests.length;
      let error: unknown;
      try {
        await registry.chatModel("fast").invoke("hi");
      } catch (err) {
        error = err;
      }
      expect(redirector.requests.length).toBeGreaterThan(before);
      // The SDKs wrap fetch errors ("Connection error."): the reason is along the cause chain.
      const messages: string[] = [];
      for (let e: unknown = error, i = 0; e instanceof Error && i < 5; e = e.cause, i++) messages.push(e.message);
      expect(messages.join(" | ")).toMatch(/redirect \(307\) to http:\/\/127\.0\.0\.1:\d+; redirects are not followed/);
      expect(target.connections()).toBe(0);
    } finally {
      await registry.close();
    }
  });
});

describe("Gemini over HTTP", () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it("verify and configure refuse a Gemini base URL; the environment's stays trusted", async () => {
    const app = await build(tmp.dir, { ADMIN_API_KEY: "admin-key-0123456789abcdef", ALLOW_INSECURE_LOOPBACK_PROVIDERS: "true" });
    try {
      const verify = await app.inject({ method: "POST", url: "/api/providers/verify", payload: { provider: "google", credentials: { apiKey: "AIza-test-key-0123456789", baseUrl: redirector.url } } });
      expect(verify.statusCode).toBe(400);
      expect(verify.json().error).toMatchObject({ code: "unsafe_url", message: expect.stringContaining("GOOGLE_BASE_URL") });
      const configure = await app.inject({
        method: "POST",
        url: "/api/providers/configure",
        headers: { "x-admin-key": "admin-key-0123456789abcdef" },
        payload: { provider: "google", settings: { apiKey: "AIza-test-key-0123456789", baseUrl: redirector.url } },
      });
      expect(configure.statusCode).toBe(400);
      expect(target.connections()).toBe(0);
      // And the provider list says so.
      const google = (await app.inject({ url: "/api/providers" })).json().providers.find((p: { provider: string }) => p.provider === "google");
      expect(google).toMatchObject({ guarded: false, baseUrlOverHttp: false, note: expect.stringContaining("GOOGLE_BASE_URL") });
    } finally {
      await app.close();
    }
  });
});
