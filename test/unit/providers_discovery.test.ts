import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { DEFAULT_TIER_MODELS } from "../../src/config/index.js";
import { AIGatewayAuthError, AIGatewayNetworkError, type RequestOptions } from "../../src/gateway/index.js";
import { createLogger, registerSecret } from "../../src/logging/index.js";
import { TierDiscovery, discoverTiers, type ModelLister } from "../../src/providers/index.js";

function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split("\n")) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: createLogger({ level: "debug", format: "json", destination }), lines };
}

const defaults = { ...DEFAULT_TIER_MODELS };
const ids = (...list: string[]) => list.map((id) => ({ id }));

/** A lister answering from a script; counts calls and remembers the options it got. */
function lister(answer: () => Promise<{ id: string }[]>): ModelLister & { calls: RequestOptions[] } {
  const calls: RequestOptions[] = [];
  return {
    calls,
    listModels(options: RequestOptions = {}) {
      calls.push(options);
      return answer();
    },
  };
}

describe("discoverTiers", () => {
  it("stops quietly when its caller shuts down: the request is aborted and no warning is logged", async () => {
    const { logger, lines } = captureLogger();
    const shutdown = new AbortController();
    // A list request that ends only when its signal aborts, as a closed connection ends it.
    const hanging = lister(() => new Promise((_, reject) => hanging.calls[0]!.signal!.addEventListener("abort", () => reject(new AIGatewayNetworkError("The connection to the AI gateway was closed.", { code: "network_error" })))));
    const running = discoverTiers(hanging, { defaults, logger, signal: shutdown.signal, timeoutMs: 60_000 });
    shutdown.abort();
    const result = await running;
    expect(result).toMatchObject({ ok: false, error: { code: "closed" }, tiers: { fast: { model: defaults.fast, source: "default" } } });
    expect(lines.filter((l) => l.event === "discovery_failed")).toEqual([]);
    // The same failure without a shutdown is worth its warning.
    const failing = lister(() => Promise.reject(new AIGatewayNetworkError("The connection to the AI gateway was closed.", { code: "network_error" })));
    await discoverTiers(failing, { defaults, logger });
    expect(lines.filter((l) => l.event === "discovery_failed")).toHaveLength(1);
  });

  it("picks tiers from the gateway's list and records the source", async () => {
    const { logger, lines } = captureLogger();
    const result = await discoverTiers(lister(async () => ids("gpt-5.1", "gpt-5.1-pro", "gpt-5-mini", "whisper-1")), { defaults, logger });
    expect(result.ok).toBe(true);
    expect(result.tiers).toEqual({
      fast: { model: "gpt-5-mini", source: "discovered" },
      standard: { model: "gpt-5.1", source: "discovered" },
      premium: { model: "gpt-5.1-pro", source: "discovered" },
    });
    expect(result.models).toEqual(["gpt-5.1-pro", "gpt-5.1", "gpt-5-mini"]);
    expect(lines.filter((l) => l.level === 40)).toHaveLength(0);
  });

  it("ranks entries by the model they name (Azure deployments) and picks the ids to call; a non-string model is ignored", async () => {
    const listed = [{ id: "corp-chat", model: "gpt-4.1" }, { id: "corp-mini", model: "gpt-4.1-mini" }, { id: "gpt-4o", model: 42 }];
    const result = await discoverTiers(lister(async () => listed), { defaults, logger: captureLogger().logger });
    expect(result.tiers).toEqual({
      fast: { model: "corp-mini", source: "discovered" },
      standard: { model: "corp-chat", source: "discovered" },
      premium: { model: "corp-chat", source: "discovered" },
    });
    expect(result.models).toEqual(["corp-chat", "corp-mini", "gpt-4o"]);
  });

  it("lets pinned ids (env or file) win over discovery", async () => {
    const result = await discoverTiers(lister(async () => ids("gpt-5.1", "gpt-5-mini")), {
      defaults,
      pinned: { fast: { model: "my-fast", source: "env" } },
      logger: captureLogger().logger,
    });
    expect(result.tiers.fast).toEqual({ model: "my-fast", source: "env" });
    expect(result.tiers.standard).toEqual({ model: "gpt-5.1", source: "discovered" });
  });

  it("asks once, without retries, bounded by the timeout", async () => {
    const l = lister(async () => ids("gpt-5.1"));
    await discoverTiers(l, { defaults, timeoutMs: 1234, logger: captureLogger().logger });
    expect(l.calls).toHaveLength(1);
    expect(l.calls[0]).toMatchObject({ maxRetries: 0, timeoutMs: 1234 });
    expect(l.calls[0].signal).toBeInstanceOf(AbortSignal);
  });

  it.each([
    ["a DNS failure", () => Promise.reject(new AIGatewayNetworkError("Could not resolve the host 'gw.corp' of the AI gateway.", { code: "dns" })), "dns"],
    ["rejected credentials", () => Promise.reject(new AIGatewayAuthError("The token endpoint rejected the client credentials: invalid_client.", { status: 401, code: "invalid_client" })), "invalid_client"],
    ["a list with no chat model", () => Promise.resolve(ids("text-embedding-3-small", "tts-1")), "no_chat_models"],
  ])("falls back to the defaults on %s and logs one warning naming the cause", async (_name, answer, code) => {
    const { logger, lines } = captureLogger();
    const result = await discoverTiers(lister(answer), { defaults, pinned: { premium: { model: "pinned", source: "env" } }, logger });
    expect(result.ok).toBe(false);
    expect(result.error?.code).toBe(code);
    expect(result.tiers).toEqual({
      fast: { model: DEFAULT_TIER_MODELS.fast, source: "default" },
      standard: { model: DEFAULT_TIER_MODELS.standard, source: "default" },
      premium: { model: "pinned", source: "env" },
    });
    const warnings = lines.filter((l) => l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ event: "discovery_failed", code });
    expect(String(warnings[0].msg)).toContain(`Model discovery failed (${code})`);
  });

  it("gives up after the timeout without waiting for the gateway", async () => {
    const { logger, lines } = captureLogger();
    const hanging = lister(() => new Promise(() => undefined));
    const result = await discoverTiers(hanging, { defaults, timeoutMs: 50, logger });
    expect(result.error).toEqual({ code: "timeout", message: "The gateway did not list its models within 50 ms (DISCOVERY_TIMEOUT_MS)." });
    expect(hanging.calls[0].signal?.aborted).toBe(true);
    expect(lines.filter((l) => l.level === 40)).toHaveLength(1);
  });

  it("never puts a secret into the error or the log", async () => {
    const secret = "sk-discovery-secret-123456";
    registerSecret(secret);
    const { logger, lines } = captureLogger();
    const result = await discoverTiers(lister(() => Promise.reject(new Error(`upstream said Bearer ${secret}`))), { defaults, logger });
    expect(JSON.stringify(result)).not.toContain(secret);
    expect(JSON.stringify(lines)).not.toContain(secret);
  });
});

describe("discoverTiers: tier models the gateway does not list", () => {
  it("ranks a gateway that lists only Claude and Gemini ids", async () => {
    const { logger, lines } = captureLogger();
    const result = await discoverTiers(lister(async () => ids("gemini-2.5-pro", "gemini-2.5-flash", "claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-5")), { defaults, logger });
    expect(result.ok).toBe(true);
    expect(result.tiers).toEqual({
      fast: { model: "claude-haiku-4-5", source: "discovered" },
      standard: { model: "claude-sonnet-4-5", source: "discovered" },
      premium: { model: "claude-opus-4-5", source: "discovered" },
    });
    expect(result.unlisted).toEqual([]);
    expect(lines.filter((l) => l.level === 40)).toHaveLength(0);
  });

  it("warns once when a pinned model is not listed, naming where it came from and the listed alternatives", async () => {
    const { logger, lines } = captureLogger();
    const result = await discoverTiers(lister(async () => ids("claude-sonnet-4-5", "claude-haiku-4-5", "text-embedding-3-small")), {
      defaults,
      pinned: { fast: { model: "gpt-5-mini", source: "env" }, premium: { model: "claude-sonnet-4-5", source: "file" } },
      logger,
    });
    // The pin still wins: the operator may know better than the list (a model the list hides).
    expect(result.tiers.fast).toEqual({ model: "gpt-5-mini", source: "env" });
    expect(result.unlisted).toEqual([{ tier: "fast", model: "gpt-5-mini", source: "env" }]);
    const warnings = lines.filter((l) => l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ event: "tier_model_not_listed", alternatives: ["claude-sonnet-4-5", "claude-haiku-4-5"] });
    expect(String(warnings[0].msg)).toContain("fast=gpt-5-mini (AI_GATEWAY_FAST_MODEL)");
    expect(String(warnings[0].msg)).toContain("It lists: claude-sonnet-4-5, claude-haiku-4-5.");
    expect(String(warnings[0].msg)).not.toContain("premium=claude-sonnet-4-5 (");
  });

  it("names the defaults and the listed models in the one warning when nothing can be ranked", async () => {
    const { logger, lines } = captureLogger();
    const result = await discoverTiers(lister(async () => ids("acme-large", "acme-small")), { defaults, logger });
    expect(result.error?.code).toBe("no_chat_models");
    expect(result.unlisted?.map((u) => u.tier)).toEqual(["fast", "standard", "premium"]);
    const warnings = lines.filter((l) => l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ event: "discovery_failed", alternatives: ["acme-large", "acme-small"] });
    expect(String(warnings[0].msg)).toContain(`standard=${DEFAULT_TIER_MODELS.standard} (default)`);
    expect(String(warnings[0].msg)).toContain("It lists: acme-large, acme-small.");
  });
});

describe("TierDiscovery (cache)", () => {
  it("warns about an unlisted tier model once, and again only when the set changes", async () => {
    const { logger, lines } = captureLogger();
    let listed = ids("claude-sonnet-4-5", "claude-haiku-4-5");
    const l = lister(async () => listed);
    let pinned: Partial<Record<"fast" | "standard" | "premium", { model: string; source: "env" }>> = { standard: { model: "gpt-5.1", source: "env" } };
    const cache = new TierDiscovery({ lister: () => l, settings: () => ({ defaults, pinned }), ttlS: 0, logger });
    for (let i = 0; i < 4; i++) await cache.get(true);
    expect(l.calls).toHaveLength(4);
    expect(lines.filter((x) => x.event === "tier_model_not_listed")).toHaveLength(1);
    pinned = { standard: { model: "gpt-5.1", source: "env" }, fast: { model: "gpt-5-mini", source: "env" } };
    await cache.get(true);
    await cache.get(true);
    expect(lines.filter((x) => x.event === "tier_model_not_listed")).toHaveLength(2);
    listed = ids("gpt-5.1", "gpt-5-mini");
    await cache.get(true);
    expect((await cache.get(true)).unlisted).toEqual([]);
    expect(lines.filter((x) => x.event === "tier_model_not_listed")).toHaveLength(2);
  });


  it("reuses a result within the TTL and shares one run between concurrent callers", async () => {
    const l = lister(async () => ids("gpt-5.1"));
    const cache = new TierDiscovery({ lister: () => l, settings: () => ({ defaults }), ttlS: 60, logger: captureLogger().logger });
    const [a, b] = await Promise.all([cache.get(), cache.get()]);
    expect(a).toBe(b);
    await cache.get();
    expect(l.calls).toHaveLength(1);
    await cache.get(true);
    expect(l.calls).toHaveLength(2);
  });

  it("runs again once the TTL passed, and warns once per streak of the same failure", async () => {
    const { logger, lines } = captureLogger();
    let fail = true;
    const l = lister(() => (fail ? Promise.reject(new AIGatewayNetworkError("no dns", { code: "dns" })) : Promise.resolve(ids("gpt-5"))));
    const cache = new TierDiscovery({ lister: () => l, settings: () => ({ defaults }), ttlS: 0, logger });
    await cache.get();
    await cache.get();
    await cache.get();
    expect(l.calls).toHaveLength(3);
    expect(lines.filter((x) => x.event === "discovery_failed")).toHaveLength(1);
    fail = false;
    expect((await cache.get()).tiers.standard).toEqual({ model: "gpt-5", source: "discovered" });
    fail = true;
    await cache.get();
    expect(lines.filter((x) => x.event === "discovery_failed")).toHaveLength(2);
  });

  it("uses the defaults quietly when the gateway is not configured", async () => {
    const { logger, lines } = captureLogger();
    const cache = new TierDiscovery({ lister: () => undefined, settings: () => ({ defaults }), ttlS: 60, logger });
    const result = await cache.get();
    expect(result.error?.code).toBe("not_configured");
    expect(result.tiers.fast).toEqual({ model: DEFAULT_TIER_MODELS.fast, source: "default" });
    expect(lines).toHaveLength(0);
  });
});
