/**
 * Long threads within a tier's token budget (`contextTokens`): the fast tier summarises the
 * older turns before a model call, the thread keeps the summary in their place on the second
 * and third runs, the summary's tokens count on the fast tier, its text is never streamed, and a
 * summary call that fails leaves the thread whole.
 */
import { MemorySaver } from "@langchain/langgraph";
import type { BaseMessage } from "@langchain/core/messages";
import { describe, expect, it } from "vitest";
import { isSummaryMessage } from "../../agents/middleware/thread_summary.js";
import { createOrchestrator } from "../../graphs/orchestrator/graph.js";
import { silentLogger } from "../helpers/gateway.js";
import { collect, emulatorForFile, ofType } from "../helpers/orchestrator.js";

const file = emulatorForFile();

/** A task of about `chars` characters (about a quarter as many tokens). */
const longTask = (n: number, chars = 6_000) => `Say hello, run ${n}. Context follows. ${"lorem ipsum dolor sit amet ".repeat(Math.ceil(chars / 27))}`.slice(0, chars);

const messagesOf = async (graph: ReturnType<typeof createOrchestrator>, threadId: string) =>
  ((await graph.getState({ configurable: { thread_id: threadId } })).values as { messages: BaseMessage[] }).messages;

describe("thread summaries", () => {
  it("summarises older turns on the second and third runs; the thread keeps the summary, and its tokens count on the fast tier", async () => {
    const graph = createOrchestrator({
      ...(await file.runtimeWith({ tiers: { standard: { contextTokens: 2_000 } } })),
      checkpointer: new MemorySaver(),
      logger: silentLogger,
    });
    const threadId = "summary-thread";
    const runs = [];
    for (let n = 1; n <= 3; n++) {
      const events = await collect(graph, { messages: [{ role: "user", content: longTask(n) }], tier: "standard" }, { threadId });
      const answer = ofType(events, "final_answer")[0]?.answer ?? "";
      expect(answer, `run ${n}`).not.toBe("");
      // Only the answer is streamed: the summary call is internal.
      expect(ofType(events, "token").map((t) => t.text).join(""), `run ${n}`).toBe(answer);
      runs.push({ events, messages: await messagesOf(graph, threadId) });
    }
    // Run 1 has nothing older to summarise.
    expect(runs[0].messages.some(isSummaryMessage)).toBe(false);
    expect(ofType(runs[0].events, "usage")[0].perTier.fast).toBeUndefined();
    for (const n of [2, 3]) {
      const { messages, events } = runs[n - 1];
      expect(isSummaryMessage(messages[0]), `run ${n}`).toBe(true);
      expect(messages.filter(isSummaryMessage), `run ${n}: one summary, not one per run`).toHaveLength(1);
      // The run's own task and answer are kept word for word after the summary.
      const humans = messages.filter((m) => m.getType() === "human" && !isSummaryMessage(m)).map((m) => m.text);
      expect(humans.at(-1), `run ${n}`).toBe(longTask(n));
      expect(humans, `run ${n}: older tasks were summarised`).not.toContain(longTask(1));
      const usage = ofType(events, "usage")[0];
      expect(usage.perTier.fast?.calls, `run ${n}: the summary call`).toBeGreaterThanOrEqual(1);
      expect(usage.perTier.standard?.calls).toBeGreaterThanOrEqual(1);
    }
    // The thread's size stays near the budget instead of growing with every run.
    const chars = (ms: BaseMessage[]) => ms.reduce((sum, m) => sum + m.text.length, 0);
    expect(chars(runs[2].messages)).toBeLessThan(3 * 6_000);
  }, 60_000);

  it("a summary call that fails leaves the thread whole and the run answers", async () => {
    const graph = createOrchestrator({
      // The fast tier, which writes summaries, is on a model the gateway does not have.
      ...(await file.runtimeWith({ tiers: { fast: { models: { gateway: "no-such-model" } }, standard: { contextTokens: 2_000 } } })),
      checkpointer: new MemorySaver(),
      logger: silentLogger,
    });
    const threadId = "summary-fails";
    for (let n = 1; n <= 3; n++) {
      const events = await collect(graph, { messages: [{ role: "user", content: longTask(n) }], tier: "standard" }, { threadId });
      expect(ofType(events, "final_answer"), `run ${n}`).toHaveLength(1);
      expect(ofType(events, "escalation")).toEqual([]);
    }
    const messages = await messagesOf(graph, threadId);
    expect(messages.some(isSummaryMessage)).toBe(false);
    expect(messages.filter((m) => m.getType() === "human").map((m) => m.text)).toEqual([longTask(1), longTask(2), longTask(3)]);
    expect(messages.some((m) => /Error generating summary/.test(m.text))).toBe(false);
  }, 60_000);

  it("contextTokens: 0 turns summarising off, and a bad value is refused naming the key", async () => {
    const graph = createOrchestrator({ ...(await file.runtimeWith({ tiers: { standard: { contextTokens: 0 } } })), checkpointer: new MemorySaver(), logger: silentLogger });
    for (let n = 1; n <= 2; n++) await collect(graph, { messages: [{ role: "user", content: longTask(n) }], tier: "standard" }, { threadId: "summary-off" });
    expect((await messagesOf(graph, "summary-off")).some(isSummaryMessage)).toBe(false);
    await expect(file.runtimeWith({ tiers: { standard: { contextTokens: 10 } } })).rejects.toThrow(/tiers\.standard\.contextTokens: must be 0 \(off\) or between 1000/);
    await expect(file.runtimeWith({ tiers: { standard: { contextTokens: "lots" as never } } })).rejects.toThrow(/tiers\.standard\.contextTokens/);
  }, 60_000);
});
