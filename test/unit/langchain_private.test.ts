/**
 * The fence around the LangChain and LangGraph members the project uses but their packages do not
 * publish (agents/langchain_private.ts). Each test checks one member does what the fence relies
 * on, and fails naming the member and the installed version, so an upgrade (of the peer
 * dependencies, or of langchain) that moves one is caught here rather than as a strange error
 * in a run.
 */
import { createRequire } from "node:module";
import { CallbackManager } from "@langchain/core/callbacks/manager";
import { AIMessageChunk } from "@langchain/core/messages";
import { Annotation, Command, MemorySaver, StateGraph, interrupt, type LangGraphRunnableConfig } from "@langchain/langgraph";
import { createMiddleware, humanInTheLoopMiddleware, summarizationMiddleware } from "langchain";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { hasValidationHooks, mapValidationErrors, messagesStreamOf, middlewareHook, nextResumeValue, type MessagesStream } from "../../agents/langchain_private.js";

const require = createRequire(import.meta.url);
const versionOf = (pkg: string) => (require(`${pkg}/package.json`) as { version: string }).version;
const LANGGRAPH = `@langchain/langgraph ${versionOf("@langchain/langgraph")}`;
const LANGCHAIN = `langchain ${versionOf("langchain")}`;

class Refused extends Error {}

describe("CompiledStateGraph._validateInput / _validateContext", () => {
  const graph = () =>
    new StateGraph({ state: z.object({ n: z.number() }), context: z.object({ mode: z.enum(["a", "b"]).optional() }) })
      .addNode("inc", (s: { n: number }) => ({ n: s.n + 1 }))
      .addEdge("__start__", "inc")
      .compile();

  it("are there, and their errors go through the mapper", async () => {
    const g = graph();
    expect(hasValidationHooks(g), `${LANGGRAPH}: CompiledStateGraph no longer has _validateInput/_validateContext (agents/langchain_private.ts mapValidationErrors)`).toBe(true);
    mapValidationErrors(g, (err, where) => new Refused(`${where}: ${Array.isArray((err as { issues?: unknown }).issues) ? "zod issues" : String(err)}`));
    await expect(g.invoke({ n: 1 })).resolves.toEqual({ n: 2 });
    const badInput = await g.invoke({ n: "one" } as never).catch((e: unknown) => e);
    expect(badInput, `${LANGGRAPH}: a bad input no longer fails in _validateInput`).toBeInstanceOf(Refused);
    expect((badInput as Error).message).toBe("input: zod issues");
    const badContext = await g.invoke({ n: 1 }, { context: { mode: "c" } } as never).catch((e: unknown) => e);
    expect(badContext, `${LANGGRAPH}: a bad context no longer fails in _validateContext`).toBeInstanceOf(Refused);
    expect((badContext as Error).message).toBe("context: zod issues");
  });
});

describe("StreamMessagesHandler._emit", () => {
  /** A graph whose node puts one message into the run's `messages` stream through the fence. */
  const emitting = (seen: (MessagesStream | undefined)[]) =>
    new StateGraph(Annotation.Root({ done: Annotation<boolean> }))
      .addNode("talk", (_s, config: LangGraphRunnableConfig) => {
        const handlers = config.callbacks instanceof CallbackManager ? config.callbacks.handlers : [];
        const stream = messagesStreamOf(handlers);
        seen.push(stream);
        stream?.emit([], { langgraph_node: "talk", relayed: true }, new AIMessageChunk({ content: "relayed", id: "m-1" }));
        return { done: true };
      })
      .addEdge("__start__", "talk")
      .compile();

  it("is found on a run that streams messages, and what it is given reaches the stream", async () => {
    const seen: (MessagesStream | undefined)[] = [];
    const out: unknown[] = [];
    for await (const chunk of await emitting(seen).stream({ done: false }, { streamMode: "messages" })) out.push(chunk);
    expect(seen[0], `${LANGGRAPH}: no StreamMessagesHandler with _emit on a run streaming messages (agents/langchain_private.ts messagesStreamOf)`).toBeDefined();
    expect(seen[0]!.subgraphs).toBe(false);
    const [message, metadata] = out[0] as [AIMessageChunk, Record<string, unknown>];
    expect(message?.content, `${LANGGRAPH}: StreamMessagesHandler._emit no longer puts a message into the messages stream`).toBe("relayed");
    expect(metadata).toMatchObject({ langgraph_node: "talk", relayed: true });
  });

  it("says when the caller streams subgraphs, and is absent when the run does not stream messages", async () => {
    const seen: (MessagesStream | undefined)[] = [];
    for await (const _ of await emitting(seen).stream({ done: false }, { streamMode: "messages", subgraphs: true })) void _;
    expect(seen[0]?.subgraphs, `${LANGGRAPH}: StreamMessagesHandler.namespaceOptions.subgraphs no longer says subgraphs are streamed`).toBe(true);
    await emitting(seen).invoke({ done: false });
    expect(seen[1]).toBeUndefined();
  });
});

describe("the hooks of LangChain's middleware", () => {
  it("the human-in-the-loop middleware's afterModel and the summarization middleware's beforeModel are there", () => {
    const hitl = humanInTheLoopMiddleware({ interruptOn: { calculator: { allowedDecisions: ["approve"] } } });
    expect(() => middlewareHook(hitl, "afterModel"), `${LANGCHAIN}: humanInTheLoopMiddleware has no afterModel hook (agents/langchain_private.ts middlewareHook)`).not.toThrow();
    expect(typeof middlewareHook(hitl, "afterModel")).toBe("function");
    const summary = summarizationMiddleware({ model: "openai:gpt-4o-mini", trigger: { tokens: 1000 } });
    expect(() => middlewareHook(summary, "beforeModel"), `${LANGCHAIN}: summarizationMiddleware has no beforeModel hook (agents/langchain_private.ts middlewareHook)`).not.toThrow();
    expect(typeof middlewareHook(summary, "beforeModel")).toBe("function");
  });

  it("a middleware without the hook is refused, naming it", () => {
    const bare = createMiddleware({ name: "Bare" });
    expect(() => middlewareHook(bare, "afterModel")).toThrow("LangChain's Bare has no afterModel hook; this langchain version is not supported");
  });
});

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

describe("configurable.__pregel_scratchpad (nextResumeValue)", () => {
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
    expect(seen, `${LANGGRAPH}: the task's scratchpad no longer holds the resume values where nextResumeValue reads them (agents/langchain_private.ts)`).toEqual([{ peek: { value: "one" }, answer: "one" }]);
    const [pending] = (await graph.getState(config)).tasks.flatMap((t) => t.interrupts);
    await graph.invoke(new Command({ resume: { [pending.id!]: "two" } }), config);
    expect(seen.slice(1)).toEqual([
      { peek: { value: "one" }, answer: "one" },
      { peek: { value: "two" }, answer: "two" },
    ]);
  });
});
