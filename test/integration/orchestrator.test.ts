import { MemorySaver } from "@langchain/langgraph";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StepEvent } from "../../graphs/orchestrator/events.js";
import { createOrchestrator } from "../../graphs/orchestrator/graph.js";
import { streamSteps, type StreamStepsOptions } from "../../src/runs/index.js";
import type { EmulatorHandle } from "../../src/emulator/index.js";
import { ProviderRegistry } from "../../src/providers/index.js";
import { resolvePolicy, resolveTiersFile } from "../../src/policy/tier_config.js";
import type { Policy } from "../../src/policy/policy.js";
import type { TierConfig } from "../../src/providers/tier_models.js";
import type { Tier } from "../../src/providers/types.js";
import { emulator, silentLogger } from "../helpers/gateway.js";

let emu: EmulatorHandle;
let registry: ProviderRegistry;

beforeAll(async () => {
  emu = await emulator();
  registry = await ProviderRegistry.create({
    env: { AI_GATEWAY_BASE_URL: emu.baseUrl, AI_GATEWAY_CLIENT_ID: emu.clientId, AI_GATEWAY_CLIENT_SECRET: emu.clientSecret },
    logger: silentLogger,
  });
});
afterAll(async () => {
  await registry.close();
  await emu.close();
});

async function run(task: string, options: StreamStepsOptions & { policy?: Policy } = {}) {
  const graph = options.graph ?? createOrchestrator({ registry, checkpointer: new MemorySaver(), logger: silentLogger, policy: options.policy });
  const events: StepEvent[] = [];
  for await (const e of streamSteps(task, { ...options, graph, threadId: options.threadId ?? `t-${Math.random()}` })) events.push(e);
  return events;
}
/** A registry on the shared emulator with `tierConfig`, closed after `body`. */
async function withRegistry(tierConfig: TierConfig, body: (r: ProviderRegistry) => Promise<void>) {
  const custom = await ProviderRegistry.create({
    env: { AI_GATEWAY_BASE_URL: emu.baseUrl, AI_GATEWAY_CLIENT_ID: emu.clientId, AI_GATEWAY_CLIENT_SECRET: emu.clientSecret },
    tierConfig,
    logger: silentLogger,
    discovery: { enabled: false },
  });
  try {
    await body(custom);
  } finally {
    await custom.close();
  }
}
const ofType = <T extends StepEvent["type"]>(events: StepEvent[], type: T) => events.filter((e) => e.type === type) as Extract<StepEvent, { type: T }>[];

describe("routing", () => {
  it("an explicit tier wins", async () => {
    const [route] = ofType(await run("What is 2 + 2?", { tier: "premium" }), "route_decided");
    expect(route).toMatchObject({ tier: "premium", source: "explicit", model: "gpt-5.1" });
  });

  it("a tier-config rule routes arithmetic to fast and design work to premium", async () => {
    expect(ofType(await run("What is 12.5% of 3,480?"), "route_decided")[0]).toMatchObject({ tier: "fast", source: "rule" });
    expect(ofType(await run("Design a resilient architecture for payments"), "route_decided")[0]).toMatchObject({
      tier: "premium",
      source: "rule",
    });
  });

  it("the classifier decides when no rule matches", async () => {
    emu.enqueueResponse({ content: JSON.stringify({ tier: "standard", reason: "ordinary writing task" }) });
    const [route] = ofType(await run("Write a limerick about queues"), "route_decided");
    expect(route).toMatchObject({ tier: "standard", source: "classifier" });
    expect(route.reason).toContain("ordinary writing task");
  });

  it("the default tier is used when routing mode is default", async () => {
    const [route] = ofType(await run("Write a limerick about queues", { routingMode: "default" }), "route_decided");
    expect(route).toMatchObject({ tier: registry.tierConfig.defaultTier, source: "default" });
  });

  it("rejects an unknown tier with a clear error", async () => {
    await expect(run("hi", { tier: "gigantic" as Tier })).rejects.toThrow("Invalid context: context.tier: must be one of fast, standard, premium.");
  });

  it("refuses run settings in configurable, naming where they go, and calls no model", async () => {
    const graph = createOrchestrator({ registry, checkpointer: new MemorySaver(), logger: silentLogger });
    const before = emu.stats().chatRequests;
    const input = { messages: [{ role: "user", content: "hi" }] } as never;
    await expect(graph.invoke(input, { configurable: { thread_id: "legacy-settings", tier: "premium", routingMode: "rules" } })).rejects.toThrow(
      'Run settings go in the run context, not in configurable: move "tier", "routingMode" to context.',
    );
    expect(emu.stats().chatRequests).toBe(before);
    // In the context, the same settings run.
    const state = await graph.invoke(input, { configurable: { thread_id: "legacy-settings" }, context: { tier: "premium", routingMode: "rules" } as never });
    expect((state as { run?: { route?: { tier?: string } } }).run?.route?.tier).toBe("premium");
  });
});

describe("agents", () => {
  it.each<Tier>(["fast", "standard", "premium"])("the %s agent does a real calculator round-trip", async (tier) => {
    const events = await run("What is 12.5% of 3,480?", { tier });
    const [call] = ofType(events, "tool_call");
    const [result] = ofType(events, "tool_result");
    const [final] = ofType(events, "final_answer");
    expect(call).toMatchObject({ tier, name: "calculator" });
    expect(result).toMatchObject({ tier, name: "calculator", content: "435", isError: false });
    expect(final).toMatchObject({ tier, provider: "gateway" });
    expect(final.answer).toContain("435");
  });

  it("streams the typed events in order, with tokens", async () => {
    const events = await run("What is 12.5% of 3,480?");
    const order = events.map((e) => e.type).filter((t, i, all) => t !== all[i - 1]);
    expect(order).toEqual(["route_decided", "agent_started", "tool_call", "tool_result", "token", "final_answer", "usage"]);
    const text = ofType(events, "token")
      .filter((t) => t.tier === "fast")
      .map((t) => t.text)
      .join("");
    expect(text).toBe(ofType(events, "final_answer")[0].answer);
    const [usage] = ofType(events, "usage");
    expect(usage.total.total).toBeGreaterThan(0);
    expect(usage.perTier.fast?.total).toBe(usage.total.total);
  });

  it("escalates from fast to standard when the fast agent reaches its step limit", async () => {
    const policy = resolvePolicy({ tiers: { fast: { maxSteps: 1 } } });
    const events = await run("What is 12.5% of 3,480?", { policy });
    const [escalation] = ofType(events, "escalation");
    expect(escalation).toMatchObject({ from: "fast", to: "standard" });
    expect(escalation.reason).toMatch(/step limit/);
    expect(ofType(events, "agent_started").map((e) => e.tier)).toEqual(["fast", "standard"]);
    const [final] = ofType(events, "final_answer");
    expect(final.tier).toBe("standard");
    expect(final.answer).toContain("435");
    const [usage] = ofType(events, "usage");
    expect(Object.keys(usage.perTier).sort()).toEqual(["fast", "standard"]);
  });

  it("escalates when the fast agent's model call fails, and records why", async () => {
    // The gateway answers 404 model_not_found for an unknown id: an error no fallback fixes.
    const tierConfig = resolveTiersFile({ tiers: { fast: { models: { gateway: "no-such-model" } } } }).models;
    await withRegistry(tierConfig, async (failing) => {
      const graph = createOrchestrator({ registry: failing, checkpointer: new MemorySaver(), logger: silentLogger });
      const events = await run("What is 12.5% of 3,480?", { graph, threadId: "escalate-error" });
      const [escalation] = ofType(events, "escalation");
      expect(escalation).toMatchObject({ from: "fast", to: "standard" });
      expect(escalation).toMatchObject({ kind: "model_not_found", status: 404, provider: "gateway" });
      expect(escalation.reason).toMatch(/does not serve the requested model/);
      expect(ofType(events, "final_answer")[0]).toMatchObject({ tier: "standard" });
      const state = await graph.getState({ configurable: { thread_id: "escalate-error" } });
      expect(state.values.run.escalations).toEqual([expect.objectContaining({ from: "fast", to: "standard" })]);
      expect(state.values.run.failedTiers).toEqual(["fast"]);
    });
  });

  it("raises a clear error when every tier from the routed one up fails", async () => {
    const tierConfig = resolveTiersFile({ tiers: { premium: { models: { gateway: "no-such-model" } } } }).models;
    await withRegistry(tierConfig, async (failing) => {
      const graph = createOrchestrator({ registry: failing, checkpointer: new MemorySaver(), logger: silentLogger });
      await expect(run("hello", { graph, tier: "premium" })).rejects.toThrow(/^The premium agent failed: The AI gateway does not serve the requested model/);
    });
  });

  it("continues a thread: the second run sees the first run's conversation", async () => {
    const graph = createOrchestrator({ registry, checkpointer: new MemorySaver(), logger: silentLogger });
    await run("What is 12.5% of 3,480?", { graph, threadId: "thread-a" });
    await run("And what time is it in UTC?", { graph, threadId: "thread-a" });
    const state = await graph.getState({ configurable: { thread_id: "thread-a" } });
    const humans = state.values.messages.filter((m: { getType(): string }) => m.getType() === "human");
    expect(humans.map((m: { content: unknown }) => m.content)).toEqual(["What is 12.5% of 3,480?", "And what time is it in UTC?"]);
    expect(state.values.run.route.tier).toBe("fast");
  });
});
