/**
 * What a run that never answered leaves on its thread: aborted mid-run, failed on every tier, or
 * given up while waiting. The next runs find the user's message once, marked unanswered, or
 * replaced by its retry; never twice, on the second, third and later runs.
 */
import { isHumanMessage, type BaseMessage } from "@langchain/core/messages";
import { MemorySaver } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { createOrchestrator, type OrchestratorGraph } from "../../graphs/orchestrator/graph.js";
import { streamSteps } from "../../src/runs/index.js";
import { isUnanswered } from "../../graphs/orchestrator/unanswered.js";
import { silentLogger } from "../helpers/gateway.js";
import { collect, emulatorForFile, ofType } from "../helpers/orchestrator.js";

const file = emulatorForFile();

/** Runs `task` and aborts it as soon as the route is decided (as Ctrl-C or a closed client would). */
async function abortedRun(graph: OrchestratorGraph, task: string, threadId: string): Promise<void> {
  const controller = new AbortController();
  await expect(
    (async () => {
      for await (const event of streamSteps(task, { graph, threadId, signal: controller.signal })) {
        if (event.type === "route_decided") controller.abort();
      }
    })(),
  ).rejects.toThrow();
}

async function humans(graph: OrchestratorGraph, threadId: string): Promise<{ text: string; unanswered: boolean }[]> {
  const state = await graph.getState({ configurable: { thread_id: threadId } });
  return (state.values.messages as BaseMessage[]).filter((m) => isHumanMessage(m)).map((m) => ({ text: m.text, unanswered: isUnanswered(m) }));
}

describe("a run that never answered", () => {
  it("aborted, then retried with the same task: the task is asked once, and answered", async () => {
    const graph = createOrchestrator({ ...(await file.runtimeWith()), checkpointer: new MemorySaver(), logger: silentLogger });
    await collect(graph, "What is 1 + 1?", { threadId: "retry" });
    await abortedRun(graph, "What is 12.5% of 3,480?", "retry");
    expect(await humans(graph, "retry")).toEqual([
      { text: "What is 1 + 1?", unanswered: false },
      { text: "What is 12.5% of 3,480?", unanswered: false },
    ]);
    const events = await collect(graph, "What is 12.5% of 3,480?", { threadId: "retry" });
    expect(ofType(events, "final_answer")[0].answer).toContain("435");
    expect(await humans(graph, "retry")).toEqual([
      { text: "What is 1 + 1?", unanswered: false },
      { text: "What is 12.5% of 3,480?", unanswered: false },
    ]);
    // A third run leaves the earlier turns alone.
    await collect(graph, "What is 2 + 2?", { threadId: "retry" });
    expect((await humans(graph, "retry")).map((h) => h.text)).toEqual(["What is 1 + 1?", "What is 12.5% of 3,480?", "What is 2 + 2?"]);
  });

  it("aborted twice, then a new task: each lost task is kept once, marked unanswered, on every later run", async () => {
    const graph = createOrchestrator({ ...(await file.runtimeWith()), checkpointer: new MemorySaver(), logger: silentLogger });
    await abortedRun(graph, "What is 3 + 3?", "lost");
    await abortedRun(graph, "What is 4 + 4?", "lost");
    const second = await collect(graph, "What is 5 + 5?", { threadId: "lost" });
    expect(ofType(second, "final_answer")).toHaveLength(1);
    const expected = [
      { text: "What is 3 + 3?", unanswered: true },
      { text: "What is 4 + 4?", unanswered: true },
      { text: "What is 5 + 5?", unanswered: false },
    ];
    expect(await humans(graph, "lost")).toEqual(expected);
    await collect(graph, "What is 6 + 6?", { threadId: "lost" });
    expect(await humans(graph, "lost")).toEqual([...expected, { text: "What is 6 + 6?", unanswered: false }]);
  });

  it("failed on every tier: the next run marks its task unanswered, and a retry of it replaces it", async () => {
    const broken = { tiers: { fast: { models: { gateway: "missing-f" } }, standard: { models: { gateway: "missing-s" } }, premium: { models: { gateway: "missing-p" } } } };
    const saver = new MemorySaver();
    const failing = createOrchestrator({ ...(await file.runtimeWith(broken)), checkpointer: saver, logger: silentLogger });
    await expect(collect(failing, "What is 7 + 7?", { threadId: "failed" })).rejects.toThrow();
    await expect(collect(failing, "What is 8 + 8?", { threadId: "failed" })).rejects.toThrow();
    // The gateway is fixed; the same thread goes on.
    const working = createOrchestrator({ ...(await file.runtimeWith()), checkpointer: saver, logger: silentLogger });
    await collect(working, "What is 8 + 8?", { threadId: "failed" });
    expect(await humans(working, "failed")).toEqual([
      { text: "What is 7 + 7?", unanswered: true },
      { text: "What is 8 + 8?", unanswered: false },
    ]);
  });
});
