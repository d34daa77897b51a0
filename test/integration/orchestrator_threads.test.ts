/**
 * The orchestrator on a thread's first, second and third runs, and after a failed run: per-run
 * state really resets, usage is per run with the thread total apart, escalation records only
 * its own tiers, a cut stream is discarded before the next attempt, and interrupts pause.
 */
import { tool } from "@langchain/core/tools";
import { interrupt, MemorySaver } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createToolbox } from "../../agents/tools/index.js";
import type { UsageEvent } from "../../graphs/orchestrator/events.js";
import { createOrchestrator } from "../../graphs/orchestrator/graph.js";
import { silentLogger } from "../helpers/gateway.js";
import { collect, emulatorForFile, ofType } from "../helpers/orchestrator.js";

const file = emulatorForFile();
const runtimeWith = file.runtimeWith;

describe("a thread's runs", () => {
  it("escalates fast -> standard -> premium on every run of a thread, recording only that run's escalations", async () => {
    const runtime = await runtimeWith({ tiers: { fast: { models: { gateway: "missing-fast" } }, standard: { models: { gateway: "missing-standard" } } } });
    const graph = createOrchestrator({ ...runtime, checkpointer: new MemorySaver(), logger: silentLogger });
    for (const run of [1, 2, 3]) {
      const events = await collect(graph, "What is 12.5% of 3,480?", { threadId: "escalating" });
      expect(ofType(events, "escalation").map((e) => `${e.from}->${e.to}:${e.kind}`), `run ${run}`).toEqual([
        "fast->standard:model_not_found",
        "standard->premium:model_not_found",
      ]);
      expect(ofType(events, "agent_started").map((e) => e.tier)).toEqual(["fast", "standard", "premium"]);
      const [final] = ofType(events, "final_answer");
      expect(final).toMatchObject({ tier: "premium", provider: "gateway" });
      expect(final.answer).toContain("435");
      const state = await graph.getState({ configurable: { thread_id: "escalating" } });
      expect(state.values.run.failedTiers).toEqual(["fast", "standard"]);
      expect(state.values.run.escalations.map((e: { from: string; to: string }) => `${e.from}->${e.to}`)).toEqual(["fast->standard", "standard->premium"]);
      expect(state.values.run.result.tier).toBe("premium");
    }
  });

  it("reports each run's own usage, with the thread's sum in `thread`", async () => {
    const graph = createOrchestrator({ ...(await runtimeWith()), checkpointer: new MemorySaver(), logger: silentLogger });
    const reports: UsageEvent[] = [];
    for (let i = 0; i < 3; i++) {
      const events = await collect(graph, "What is 12.5% of 3,480?", { threadId: "usage", tier: "fast" });
      reports.push(ofType(events, "usage")[0]);
    }
    for (const r of reports) {
      expect(r.perTier.fast?.calls).toBe(2); // the tool call and the answer, no more
      expect(r.total.total).toBe(r.perTier.fast?.total);
      expect(r.unknown).toEqual([]);
    }
    // A run on a longer thread reads more input, but never the earlier runs' tokens again.
    const runTotals = reports.map((r) => r.total.total);
    expect(runTotals[2] - runTotals[1]).toBe(runTotals[1] - runTotals[0]);
    expect(reports.map((r) => r.thread.total.total)).toEqual([runTotals[0], runTotals[0] + runTotals[1], runTotals[0] + runTotals[1] + runTotals[2]]);
    expect(reports[2].thread.perTier.fast?.calls).toBe(6);
    expect(reports[2].thread.costUsd).toBeCloseTo(reports.reduce((s, r) => s + r.costUsd, 0), 6);
  });

  it("counts the tokens of a tier that failed, and the thread keeps them", async () => {
    const graph = createOrchestrator({ ...(await runtimeWith({ tiers: { fast: { maxSteps: 1 } } })), checkpointer: new MemorySaver(), logger: silentLogger });
    const events = await collect(graph, "What is 12.5% of 3,480?", { threadId: "failed-tokens" });
    const [escalation] = ofType(events, "escalation");
    expect(escalation).toMatchObject({ from: "fast", to: "standard", kind: "step_limit" });
    const [usage] = ofType(events, "usage");
    // The fast agent's one model call (the tool call) was spent before the step limit ended it.
    expect(usage.perTier.fast).toMatchObject({ calls: 1 });
    expect(usage.perTier.fast!.total).toBeGreaterThan(0);
    expect(usage.total.total).toBe(usage.perTier.fast!.total + usage.perTier.standard!.total);
    const state = await graph.getState({ configurable: { thread_id: "failed-tokens" } });
    expect(state.values.threadUsage.fast.total).toBe(usage.perTier.fast!.total);
  });

  it("a cut stream yields attempt_discarded before the next tier's tokens, and the answer is only the new attempt's", async () => {
    const graph = createOrchestrator({ ...(await runtimeWith()), checkpointer: new MemorySaver(), logger: silentLogger });
    file.emu.enqueueFault("cut-after-first-token");
    const events = await collect(graph, "Write a haiku about the sea", { threadId: "cut", tier: "fast" });
    const types = events.map((e) => e.type);
    const discarded = types.indexOf("attempt_discarded");
    const escalation = types.indexOf("escalation");
    const firstToken = types.indexOf("token");
    expect(firstToken).toBeGreaterThan(-1);
    expect(firstToken).toBeLessThan(discarded); // the cut attempt had streamed text
    expect(escalation).toBe(discarded + 1);
    expect(ofType(events, "attempt_discarded")[0]).toMatchObject({ tier: "fast", provider: "gateway", kind: "stream_cut" });
    const after = events.slice(escalation).filter((e) => e.type === "token");
    const [final] = ofType(events, "final_answer");
    expect(final.tier).toBe("standard");
    expect(after.map((t) => (t as { text: string }).text).join("")).toBe(final.answer);
    expect(after.every((t) => (t as { tier: string }).tier === "standard")).toBe(true);
    // The cut call's tokens are not known: reported as such, not as zero.
    expect(ofType(events, "usage")[0].perTier.fast).toMatchObject({ calls: 1, unknown: ["gateway"] });
  });

  it("after a failed run, the next run on the thread starts clean", async () => {
    const runtime = await runtimeWith({ tiers: { premium: { models: { gateway: "missing-premium" } } } });
    const graph = createOrchestrator({ ...runtime, checkpointer: new MemorySaver(), logger: silentLogger });
    await expect(collect(graph, "hello", { threadId: "after-failure", tier: "premium" })).rejects.toThrow(/The premium agent failed/);
    const failed = await graph.getState({ configurable: { thread_id: "after-failure" } });
    expect(failed.values.run.error).toMatchObject({ tier: "premium", kind: "model_not_found" });
    const events = await collect(graph, "What is 12.5% of 3,480?", { threadId: "after-failure", tier: "fast" });
    expect(ofType(events, "final_answer")[0].tier).toBe("fast");
    expect(ofType(events, "escalation")).toEqual([]);
    const state = await graph.getState({ configurable: { thread_id: "after-failure" } });
    expect(state.values.run.error).toBeUndefined();
    expect(state.values.run.failedTiers).toEqual([]);
    expect(state.values.run.result.tier).toBe("fast");
  });
});

describe("interrupts", () => {
  const askHuman = tool(async ({ question }) => `The person answered: ${String(interrupt({ question }))}`, {
    name: "ask_human",
    description: "Ask the person a question and wait for the answer",
    schema: z.object({ question: z.string() }),
  });

  it("a tool that calls interrupt() pauses the thread; resuming finishes on the same tier", async () => {
    const graph = createOrchestrator({ ...(await runtimeWith()), checkpointer: new MemorySaver(), logger: silentLogger, tools: { ...createToolbox(), ask_human: askHuman } });
    for (const run of [1, 2]) {
      const threadId = `interrupted-${run}`;
      file.emu.enqueueResponse({ toolCalls: [{ name: "ask_human", arguments: JSON.stringify({ question: "Which account?" }) }] });
      const first = await collect(graph, "Pay the invoice", { threadId, tier: "standard" });
      expect(ofType(first, "interrupted")).toEqual([{ type: "interrupted", tier: "standard", agent: "standard_agent", interrupts: [expect.objectContaining({ value: { question: "Which account?" } })] }]);
      expect(ofType(first, "escalation")).toEqual([]);
      expect(ofType(first, "final_answer")).toEqual([]);
      const paused = await graph.getState({ configurable: { thread_id: threadId } });
      expect(paused.next).toEqual(["standard_agent"]);
      expect(paused.tasks[0].interrupts[0].value).toEqual({ question: "Which account?" });

      const resumed = await collect(graph, { resume: "the savings account" }, { threadId });
      const [result] = ofType(resumed, "tool_result");
      expect(result).toMatchObject({ tier: "standard", name: "ask_human", content: "The person answered: the savings account" });
      expect(ofType(resumed, "final_answer")[0].tier).toBe("standard");
      expect(ofType(resumed, "escalation")).toEqual([]);
      const done = await graph.getState({ configurable: { thread_id: threadId } });
      expect(done.next).toEqual([]);
      expect(done.values.run.result.tier).toBe("standard");
    }
  });
});
