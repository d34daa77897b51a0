/**
 * Discovery through the real path (registry -> gateway client -> GET /v1/models on a loopback
 * stub) against model lists shaped like the gateways users put in front of us: Azure OpenAI
 * (deployments with custom ids and the real model in `model`), a LiteLLM proxy, OpenRouter,
 * and gateways serving only Claude or only open-weight models. Each case asserts the model of
 * every tier, and that a call on a tier reaches the gateway with the id it must be called by.
 */
import { afterEach, describe, expect, it } from "vitest";
import { startStubGateway, stubGatewayEnv } from "../helpers/stub_gateway.js";
import { ProviderRegistry } from "../../src/providers/index.js";
import type { Tier } from "../../src/providers/types.js";
import { captureLogger } from "./providers_helpers.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

type Tiers = Record<Tier, string>;

/** Starts a stub serving `entries` as its model list and a registry discovering from it. */
async function discover(entries: Record<string, unknown>[]) {
  const stub = await startStubGateway({ modelEntries: entries });
  cleanups.push(() => stub.close());
  const log = captureLogger();
  const registry = await ProviderRegistry.create({ env: stubGatewayEnv(stub), logger: log.logger });
  cleanups.push(() => registry.close());
  const tiers = (): Tiers => {
    const s = registry.gatewaySelections();
    expect([s.fast.source, s.standard.source, s.premium.source]).toEqual(["discovered", "discovered", "discovered"]);
    return { fast: s.fast.model, standard: s.standard.model, premium: s.premium.model };
  };
  /** The model id the gateway was asked for when `tier` answered. */
  const called = async (tier: Tier): Promise<unknown> => {
    await registry.chatModel(tier).invoke("Hello");
    return stub.lastChatBody?.model;
  };
  return { stub, registry, tiers, called, warnings: () => log.lines.filter((l) => l.level === 40) };
}

/** An OpenAI-style /models entry. */
const model = (id: string, owned_by = "system") => ({ id, object: "model", created: 1_715_000_000, owned_by });

/** An Azure OpenAI deployment: the name the caller chose, and the model it serves. */
const deployment = (id: string, name: string) => ({
  id,
  model: name,
  object: "deployment",
  owner: "organization-owner",
  status: "succeeded",
  scale_settings: { scale_type: "standard" },
  created_at: 1_715_000_000,
});

describe("discovery against vendor-shaped model lists", () => {
  it("Azure deployments: ranks each by its model and calls it by its deployment id", async () => {
    const gw = await discover([
      deployment("corp-chat", "gpt-4o"),
      deployment("corp-cheap", "gpt-4o-mini"),
      deployment("corp-legacy", "gpt-35-turbo"),
      deployment("corp-embeddings", "text-embedding-ada-002"),
    ]);
    expect(gw.tiers()).toEqual({ fast: "corp-cheap", standard: "corp-chat", premium: "corp-chat" });
    expect(gw.registry.discoveryResult()?.models).toEqual(["corp-chat", "corp-cheap", "corp-legacy"]);
    expect(await gw.called("premium")).toBe("corp-chat");
    expect(await gw.called("fast")).toBe("corp-cheap");
    expect(gw.warnings()).toEqual([]);
  });

  it("Azure models with the dotless gpt-35 spelling: gpt-4o for standard and premium, not gpt-35-turbo", async () => {
    const gw = await discover([model("gpt-35-turbo-0125"), model("gpt-4o"), model("gpt-4o-mini"), model("text-embedding-3-large")]);
    expect(gw.tiers()).toEqual({ fast: "gpt-4o-mini", standard: "gpt-4o", premium: "gpt-4o" });
    expect(await gw.called("premium")).toBe("gpt-4o");
  });

  it("Azure's GPT-4 era: gpt-35-turbo-16k only for fast", async () => {
    const gw = await discover([model("gpt-4"), model("gpt-4-32k"), model("gpt-35-turbo-16k")]);
    expect(gw.tiers()).toEqual({ fast: "gpt-35-turbo-16k", standard: "gpt-4", premium: "gpt-4" });
  });

  it("a LiteLLM proxy with gpt-4o and o1: gpt-4o is standard, o1 premium", async () => {
    const gw = await discover([
      model("gpt-4o", "openai"),
      model("o1", "openai"),
      model("gpt-4o-mini", "openai"),
      model("claude-3-5-sonnet-20241022", "openai"),
      model("text-embedding-3-small", "openai"),
    ]);
    expect(gw.tiers()).toEqual({ fast: "gpt-4o-mini", standard: "gpt-4o", premium: "o1" });
    expect(await gw.called("standard")).toBe("gpt-4o");
  });

  it("OpenRouter's vendor/model ids: OpenAI's models, called with their prefix", async () => {
    const gw = await discover([
      model("anthropic/claude-3.5-sonnet"),
      model("meta-llama/llama-3.1-405b-instruct"),
      model("openai/o1"),
      model("openai/gpt-4o"),
      model("openai/gpt-4o-mini"),
      model("meta-llama/llama-3.1-8b-instruct:free"),
    ]);
    expect(gw.tiers()).toEqual({ fast: "openai/gpt-4o-mini", standard: "openai/gpt-4o", premium: "openai/o1" });
    expect(await gw.called("premium")).toBe("openai/o1");
  });

  it("a Claude-only gateway: haiku fast, the newest sonnet standard and premium over an older opus", async () => {
    const gw = await discover([
      model("claude-3-5-haiku-20241022"),
      model("claude-3-7-sonnet-20250219"),
      model("claude-opus-4-1-20250805"),
      model("claude-sonnet-4-5-20250929"),
    ]);
    expect(gw.tiers()).toEqual({ fast: "claude-3-5-haiku-20241022", standard: "claude-sonnet-4-5-20250929", premium: "claude-sonnet-4-5-20250929" });
  });

  it("a Claude-only gateway with the current opus: opus premium", async () => {
    const gw = await discover([model("claude-haiku-4-5"), model("claude-sonnet-4-5"), model("claude-opus-4-5")]);
    expect(gw.tiers()).toEqual({ fast: "claude-haiku-4-5", standard: "claude-sonnet-4-5", premium: "claude-opus-4-5" });
    expect(await gw.called("premium")).toBe("claude-opus-4-5");
  });

  it("a Llama and Mistral gateway (vLLM-style ids): Llama 3.1 405B premium beside the newer 3.3 70B", async () => {
    const gw = await discover([
      model("mistralai/Mistral-Large-Instruct-2411", "vllm"),
      model("meta-llama/Llama-3.3-70B-Instruct", "vllm"),
      model("meta-llama/Llama-3.1-405B-Instruct-FP8", "vllm"),
      model("mistralai/Mistral-Small-24B-Instruct-2501", "vllm"),
      model("meta-llama/Llama-3.1-8B-Instruct", "vllm"),
    ]);
    expect(gw.tiers()).toEqual({
      fast: "meta-llama/Llama-3.1-8B-Instruct",
      standard: "meta-llama/Llama-3.3-70B-Instruct",
      premium: "meta-llama/Llama-3.1-405B-Instruct-FP8",
    });
    expect(await gw.called("premium")).toBe("meta-llama/Llama-3.1-405B-Instruct-FP8");
  });

  it("a Mistral-only gateway: large premium, medium standard, small fast", async () => {
    const gw = await discover([model("mistral-small-latest"), model("mistral-large-latest"), model("mistral-medium-latest"), model("mistral-embed")]);
    expect(gw.tiers()).toEqual({ fast: "mistral-small-latest", standard: "mistral-medium-latest", premium: "mistral-large-latest" });
  });
});
