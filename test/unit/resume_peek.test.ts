/**
 * The fence around LangGraph's private scratchpad (agents/middleware/resume_peek.ts): what it
 * peeks is what the next `interrupt()` returns, for a run's resume, a resume keyed by interrupt
 * id, and a node's second interrupt. Fails when an upgrade of @langchain/langgraph moves it.
 */
import { Annotation, Command, MemorySaver, StateGraph, interrupt, type LangGraphRunnableConfig } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { nextResumeValue } from "../../agents/middleware/resume_peek.js";

/** A graph whose one node interrupts twice, noting each peek and each answer. */
function twoQuestions() {
  const seen: { peek: unknown; answer: unknown }[] = [];
  const State = Annotation.Root({ done: Annotation<boolean> });
  const ask = (config: LangGraphRunnableConfig, question: string) => {
    const peek = nextResumeValue(config.configurable);
    const answer: unknown = interrupt(question);
    seen.push({ peek, answer });
  };
  const graph = new StateGraph(State)
    .addNode("ask", (_s, config) => {
      ask(config, "first?");
      ask(config, "second?");
      return { done: true };
    })
    .addEdge("__start__", "ask")
    .compile({ checkpointer: new MemorySaver() });
  return { graph, seen };
}

describe("nextResumeValue", () => {
  it("sees nothing on the first run and outside a graph", async () => {
    const { graph, seen } = twoQuestions();
    await graph.invoke({ done: false }, { configurable: { thread_id: "t" } });
    expect(seen).toEqual([]);
    expect(nextResumeValue(undefined)).toBeUndefined();
    expect(nextResumeValue({})).toBeUndefined();
  });

  it("peeks the answer interrupt() then returns, without taking it", async () => {
    const { graph, seen } = twoQuestions();
    const config = { configurable: { thread_id: "t" } };
    await graph.invoke({ done: false }, config);
    await graph.invoke(new Command({ resume: "one" }), config);
    // The first answer; the second question pauses again (its peek happened before the throw, so no record).
    expect(seen).toEqual([{ peek: { value: "one" }, answer: "one" }]);
    const [pending] = (await graph.getState(config)).tasks.flatMap((t) => t.interrupts);
    await graph.invoke(new Command({ resume: { [pending.id!]: "two" } }), config);
    expect(seen.slice(1)).toEqual([
      { peek: { value: "one" }, answer: "one" },
      { peek: { value: "two" }, answer: "two" },
    ]);
  });
});
