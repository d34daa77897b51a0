/**
 * Run costs priced by the model that answered each call, from the price table shipped with the
 * package (offline): tiers on differently priced models show a real saving against premium
 * alone; a model the table does not know is reported as unpriced, never as free; TIERS_CONFIG
 * prices override the table for their tier. On a thread's first, second and third runs.
 */
import { calcPrice } from "@pydantic/genai-prices";
import { describe, expect, it } from "vitest";
import type { UsageEvent } from "../../graphs/orchestrator/events.js";
import { createOrchestrator } from "../../graphs/orchestrator/graph.js";
import { MemorySaver } from "@langchain/langgraph";
import { silentLogger } from "../helpers/gateway.js";
import { collect, emulatorForFile, ofType } from "../helpers/orchestrator.js";

const file = emulatorForFile({ models: ["gpt-5-nano", "gpt-5.1", "acme-internal-llm"] });

/** Reported figures are rounded to $0.000001. */
const near = (reported: number | null, exact: number) => expect(Math.abs((reported ?? NaN) - exact)).toBeLessThanOrEqual(1e-6);
const tableUsd = (model: string, input: number, output: number) => calcPrice({ input_tokens: input, output_tokens: output }, model)!.total_price;

async function usageOf(tiers: Record<string, unknown>, task: string, options: { tier?: "fast" | "standard" | "premium"; threadId?: string; checkpointer?: MemorySaver } = {}): Promise<UsageEvent> {
  const graph = createOrchestrator({ ...(await file.runtimeWith(tiers)), logger: silentLogger, checkpointer: options.checkpointer });
  const events = await collect(graph, { messages: [{ role: "user", content: task }], ...(options.tier ? { tier: options.tier } : {}) }, options.threadId ? { threadId: options.threadId } : {});
  const [usage] = ofType(events, "usage");
  return usage;
}

const models = (fast: string, standard: string, premium: string) => ({
  tiers: { fast: { models: { gateway: fast } }, standard: { models: { gateway: standard } }, premium: { models: { gateway: premium } } },
});

describe("run costs by the answering model", () => {
  it("a fast-tier run on a cheaper model shows its real price and a saving against premium alone, run after run", async () => {
    const checkpointer = new MemorySaver();
    let thread = 0;
    for (let run = 1; run <= 3; run++) {
      const usage = await usageOf(models("gpt-5-nano", "gpt-5.1", "gpt-5.1"), `Say hello ${run}`, { tier: "fast", threadId: "priced", checkpointer });
      const { input, output } = usage.total;
      expect(input).toBeGreaterThan(0);
      near(usage.costUsd, tableUsd("gpt-5-nano", input, output));
      near(usage.premiumOnlyCostUsd, tableUsd("gpt-5.1", input, output));
      expect(usage.savingUsd).toBeGreaterThan(0);
      expect(usage.unpriced).toEqual([]);
      // The thread's total is the sum of its runs, each priced when it ran (each figure is rounded to $0.000001).
      thread += usage.costUsd;
      expect(Math.abs(usage.thread.costUsd - thread)).toBeLessThanOrEqual(run * 1e-6);
    }
  });

  it("a model the price table does not know is unpriced: tokens counted, no cost, no saving claimed", async () => {
    const usage = await usageOf(models("acme-internal-llm", "gpt-5.1", "gpt-5.1"), "Say hello", { tier: "fast" });
    expect(usage.total.total).toBeGreaterThan(0);
    expect(usage.unpriced).toEqual(["gateway/acme-internal-llm"]);
    expect(usage.costUsd).toBe(0);
    expect(usage.savingUsd).toBeNull();
    expect(usage.perTier.fast?.unpriced).toEqual(["gateway/acme-internal-llm"]);
    // Premium's model itself unknown: premium alone is not known either.
    const premiumUnknown = await usageOf(models("gpt-5-nano", "gpt-5.1", "acme-internal-llm"), "Say hello", { tier: "fast" });
    expect(premiumUnknown.costUsd).toBeGreaterThan(0);
    expect(premiumUnknown.premiumOnlyCostUsd).toBeNull();
    expect(premiumUnknown.savingUsd).toBeNull();
  });

  it("TIERS_CONFIG prices win for their tier, whatever model answers", async () => {
    const tiers = models("acme-internal-llm", "gpt-5.1", "gpt-5.1");
    (tiers.tiers.fast as Record<string, unknown>).prices = { inputPerMillion: 1, outputPerMillion: 4 };
    const usage = await usageOf(tiers, "Say hello", { tier: "fast" });
    expect(usage.unpriced).toEqual([]);
    near(usage.costUsd, (usage.total.input * 1 + usage.total.output * 4) / 1e6);
  });
});
