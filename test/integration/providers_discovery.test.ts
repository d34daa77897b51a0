/** Model discovery against the emulator: picks tiers from /v1/models, falls back to defaults without blocking. */
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_TIER_MODELS } from "../../src/config/index.js";
import { startEmulator, type EmulatorHandle } from "../../src/emulator/index.js";
import { ProviderRegistry } from "../../src/providers/index.js";
import { captureLogger } from "./providers_helpers.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function gateway(models?: string[], extra: Parameters<typeof startEmulator>[0] = {}): Promise<EmulatorHandle> {
  const emu = await startEmulator({ port: 0, models, ...extra });
  cleanups.push(() => emu.close());
  return emu;
}

function envFor(emu: EmulatorHandle, extra: Record<string, string> = {}): Record<string, string> {
  return { AI_GATEWAY_BASE_URL: emu.baseUrl, AI_GATEWAY_CLIENT_ID: emu.clientId, AI_GATEWAY_CLIENT_SECRET: emu.clientSecret, ...extra };
}

async function create(env: Record<string, string>, options: Omit<Parameters<typeof ProviderRegistry.create>[0] & object, "env" | "logger"> = {}) {
  const log = captureLogger();
  const registry = await ProviderRegistry.create({ env, logger: log.logger, gatewayClientOptions: { retry: { baseDelayMs: 10 } }, ...options });
  cleanups.push(() => registry.close());
  return { registry, ...log };
}

const defaults = {
  fast: { model: DEFAULT_TIER_MODELS.fast, source: "default" },
  standard: { model: DEFAULT_TIER_MODELS.standard, source: "default" },
  premium: { model: DEFAULT_TIER_MODELS.premium, source: "default" },
};

describe("discovery at startup", () => {
  it("picks the tiers from the gateway's list and uses them for the gateway's models", async () => {
    const emu = await gateway(["gpt-5", "gpt-5-pro", "gpt-5-mini", "gpt-4.1", "text-embedding-3-large", "whisper-1"]);
    const { registry, lines } = await create(envFor(emu));
    expect(registry.gatewaySelections()).toEqual({
      fast: { model: "gpt-5-mini", source: "discovered" },
      standard: { model: "gpt-5", source: "discovered" },
      premium: { model: "gpt-5-pro", source: "discovered" },
    });
    expect(registry.discoveryResult()?.models).toEqual(["gpt-5-pro", "gpt-5", "gpt-5-mini", "gpt-4.1"]);
    expect(emu.stats().modelRequests).toBe(1);
    expect(lines.filter((l) => l.level === 40)).toEqual([]);
    const reply = await registry.chatModel("premium").invoke("Hello");
    expect(reply.content).toContain("Simulated answer from gpt-5-pro");
    expect(reply.response_metadata).toMatchObject({ provider: "gateway", model_name: "gpt-5-pro" });
  });

  it("picks the tiers of a gateway that lists only Claude and Gemini ids, vendor-prefixed", async () => {
    const listed = ["gemini/gemini-2.5-pro", "gemini/gemini-2.5-flash", "anthropic/claude-opus-4-5", "anthropic/claude-sonnet-4-5", "anthropic/claude-haiku-4-5", "gemini/gemini-embedding-001"];
    const emu = await gateway(listed);
    const { registry, lines } = await create(envFor(emu));
    expect(registry.gatewaySelections()).toEqual({
      fast: { model: "anthropic/claude-haiku-4-5", source: "discovered" },
      standard: { model: "anthropic/claude-sonnet-4-5", source: "discovered" },
      premium: { model: "anthropic/claude-opus-4-5", source: "discovered" },
    });
    expect(registry.discoveryResult()?.models).not.toContain("gemini/gemini-embedding-001");
    expect(lines.filter((l) => l.level === 40)).toEqual([]);
    const reply = await registry.chatModel("fast").invoke("Hello");
    expect(reply.response_metadata).toMatchObject({ provider: "gateway", model_name: "anthropic/claude-haiku-4-5" });
  });

  it("warns once, naming the listed alternatives, when a pinned tier model is not in the gateway's list", async () => {
    const emu = await gateway(["meta-llama/Llama-3.3-70B-Instruct", "meta-llama/Llama-3.1-8B-Instruct"]);
    const { registry, events } = await create(envFor(emu, { AI_GATEWAY_PREMIUM_MODEL: "gpt-5.1-pro", DISCOVERY_TTL_S: "0" }));
    await registry.refreshDiscovery();
    await registry.refreshDiscovery();
    expect(emu.stats().modelRequests).toBe(3);
    const warnings = events("tier_model_not_listed");
    expect(warnings).toHaveLength(1);
    expect(warnings[0].alternatives).toEqual(["meta-llama/Llama-3.3-70B-Instruct", "meta-llama/Llama-3.1-8B-Instruct"]);
    expect(String(warnings[0].msg)).toContain("premium=gpt-5.1-pro (AI_GATEWAY_PREMIUM_MODEL)");
    expect(registry.gatewaySelections()).toEqual({
      fast: { model: "meta-llama/Llama-3.1-8B-Instruct", source: "discovered" },
      standard: { model: "meta-llama/Llama-3.3-70B-Instruct", source: "discovered" },
      premium: { model: "gpt-5.1-pro", source: "env" },
    });
  });

  it("lets env ids win over discovery", async () => {
    const emu = await gateway();
    const { registry } = await create(envFor(emu, { AI_GATEWAY_FAST_MODEL: "gpt-4.1-mini" }));
    expect(registry.gatewaySelections()).toEqual({
      fast: { model: "gpt-4.1-mini", source: "env" },
      standard: { model: "gpt-5.1", source: "discovered" },
      premium: { model: "gpt-5.1", source: "discovered" },
    });
    expect(registry.status()[0].modelSources).toEqual({ fast: "env", standard: "discovered", premium: "discovered" });
  });

  it("uses the defaults with one warning when the token endpoint is down", async () => {
    const emu = await gateway();
    emu.setTokenEndpointDown(true);
    const { registry, events } = await create(envFor(emu));
    expect(registry.gatewaySelections()).toEqual(defaults);
    expect(events("discovery_failed")).toHaveLength(1);
    expect(events("discovery_failed")[0].code).toBe("token_endpoint_unavailable");
    expect(registry.discoveryResult()?.ok).toBe(false);
  });

  it("uses the defaults with one warning when the secret is wrong, and never logs the secret", async () => {
    const emu = await gateway();
    const wrong = "wrong-secret-0123456789abcdef";
    const { registry, events, lines } = await create(envFor(emu, { AI_GATEWAY_CLIENT_SECRET: wrong }));
    expect(registry.gatewaySelections()).toEqual(defaults);
    expect(events("discovery_failed")).toHaveLength(1);
    expect(events("discovery_failed")[0].code).toBe("invalid_client");
    expect(String(events("discovery_failed")[0].msg)).toContain("AI_GATEWAY_CLIENT_SECRET");
    expect(JSON.stringify(lines)).not.toContain(wrong);
  });

  it("gives up after DISCOVERY_TIMEOUT_MS instead of blocking startup", async () => {
    const emu = await gateway(undefined, { slowHeadersMs: 5_000 });
    const started = performance.now();
    const { registry, events } = await create(envFor(emu, { DISCOVERY_TIMEOUT_MS: "200" }), {
      gatewayClientOptions: { headers: { "x-emulator-fault": "slow-headers" } },
    });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(events("discovery_failed")[0]).toMatchObject({ code: "timeout" });
    expect(registry.gatewaySelections()).toEqual(defaults);
  });

  it("runs again on demand and when the TTL has passed", async () => {
    const emu = await gateway();
    const { registry } = await create(envFor(emu, { DISCOVERY_TTL_S: "0" }));
    expect(emu.stats().modelRequests).toBe(1);
    await registry.refreshDiscovery();
    expect(emu.stats().modelRequests).toBe(2);
    registry.candidates("fast"); // a stale result triggers a background refresh
    await registry.refreshDiscovery(false);
    expect(emu.stats().modelRequests).toBeGreaterThanOrEqual(3);
  });

  it("is skipped for an unconfigured gateway, without a warning", async () => {
    const { registry, lines } = await create({ OPENAI_API_KEY: "sk-only-openai-00000000" });
    expect(registry.gatewaySelections()).toEqual(defaults);
    expect(lines.filter((l) => l.level === 40)).toEqual([]);
  });

  it("configure('gateway') swaps the gateway: new client, new discovery, fresh breaker", async () => {
    const first = await gateway(["gpt-5.1", "gpt-5-mini"]);
    const second = await gateway(["gpt-4.1", "gpt-4.1-mini"]);
    const { registry, events } = await create(envFor(first));
    const model = registry.chatModel("fast");
    expect((await model.invoke("Hello")).response_metadata.model_name).toBe("gpt-5-mini");

    const current = registry.providerSettings("gateway");
    await registry.configure("gateway", {
      enabled: true,
      gateway: { ...current.gateway, baseUrl: second.baseUrl, clientId: second.clientId, clientSecret: second.clientSecret, tokenUrl: undefined },
    });
    expect(registry.gatewaySelections().fast).toEqual({ model: "gpt-4.1-mini", source: "discovered" });
    const reply = await model.invoke("Hello");
    expect(reply.response_metadata).toMatchObject({ provider: "gateway", model_name: "gpt-4.1-mini" });
    expect(second.stats().chatRequests).toBe(1);
    expect(first.stats().chatRequests).toBe(1);
    expect(events("provider_configured")).toHaveLength(1);
    expect(JSON.stringify(registry.status())).not.toContain(second.clientSecret);
  });
});
