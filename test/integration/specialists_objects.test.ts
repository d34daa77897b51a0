/**
 * Specialists as objects, against the emulator: an agent that carries its own LangChain tools,
 * one built by the app's factory around `createAgent`, and one that is the app's compiled
 * messages graph. Each is routed to (by a rule and by name), streamed, costed in the ledger and
 * kept to its tenant, on a thread's first, second and third runs and after a failed one.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { tool } from "@langchain/core/tools";
import { Annotation, MemorySaver, MessagesAnnotation, StateGraph } from "@langchain/langgraph";
import { createAgent } from "langchain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineAgent, type SpecialistFactoryArgs } from "../../agents/define_agent.js";
import { approvalOf, createToolbox, requireApproval } from "../../agents/tools/index.js";
import type { StepEvent } from "../../graphs/orchestrator/events.js";
import { ConfigurationError } from "../../src/errors.js";
import { createOrchestrator, type OrchestratorGraph } from "../../graphs/orchestrator/graph.js";
import { createCheckpointer, type CheckpointerHandle } from "../../graphs/persistence.js";
import { memoryLedger, type UsageEntry, type UsageLedger } from "../../src/usage/index.js";
import { streamSteps, type StreamStepsOptions } from "../../src/runs/index.js";
import { silentLogger } from "../helpers/gateway.js";
import { collect, emulatorForFile, ofType } from "../helpers/orchestrator.js";

const file = emulatorForFile();

let store: CheckpointerHandle;
beforeAll(async () => {
  store = await createCheckpointer({ sqlitePath: ":memory:" });
});
afterAll(async () => {
  await store.close();
});

/** A ledger that also keeps the rows it was given, for the test to read. */
function recordingLedger(): UsageLedger & { rows: UsageEntry[] } {
  const inner = memoryLedger();
  const rows: UsageEntry[] = [];
  return { ...inner, rows, append: async (entries) => (rows.push(...entries), inner.append(entries)) };
}

/** The app's own tool: the emulator calls it when the task says "population". */
const populationTool = () =>
  tool(async ({ city }) => `population of ${city}: 2102650`, {
    name: "lookup_population",
    description: "Looks up the population of a city",
    schema: z.object({ city: z.string().describe("City name") }),
  });

/** Runs one task as tenant acme on `threadId`, through the run service with thread owners. */
const runAs = (graph: OrchestratorGraph, task: Parameters<typeof collect>[1], threadId: string, extra: StreamStepsOptions = {}) =>
  collect(graph, task, { threadId, tenant: "acme", owners: store.owners, routingMode: "rules", ...extra });

/** The tokens a run's usage event reports. */
const tokensOf = (events: StepEvent[]) => ofType(events, "usage")[0]?.total.total ?? 0;

describe("a specialist built by the app's factory", () => {
  it("is routed, streamed, costed and escalated like a project agent, run after run, and after a failed run", async () => {
    const given: SpecialistFactoryArgs[] = [];
    const census = defineAgent({
      name: "census",
      description: "Answers questions about how many people live in a city",
      tools: [populationTool()],
      tiers: ["standard", "premium"],
      agent: (args) => {
        given.push(args);
        return createAgent({ model: args.model, tools: args.tools, systemPrompt: args.systemPrompt });
      },
    });
    const { registry } = await file.runtimeWith();
    const ledger = recordingLedger();
    const graph = createOrchestrator({ registry, agents: [census], routing: { rules: [{ name: "people", agent: "census", keywords: ["population"] }] }, checkpointer: store.checkpointer, ledger, logger: silentLogger });
    // The project built it once per tier, on that tier's own model, with the agent's tools.
    expect(given.map((g) => [g.tier, g.tools.map((t) => t.name)])).toEqual([
      ["standard", ["lookup_population"]],
      ["premium", ["lookup_population"]],
    ]);
    expect(given[0].model).toBe(registry.chatModel("standard"));

    const threadId = "census-thread";
    const runs: [string, StreamStepsOptions, string][] = [
      ["What is the population of Lyon?", {}, "rule"],
      ["How many people live in Lyon, by population?", { agent: "census" }, "explicit"],
      ["And the population of Nantes?", {}, "rule"],
    ];
    for (const [i, [task, options, source]] of runs.entries()) {
      const events = await runAs(graph, task, threadId, options);
      expect(ofType(events, "route_decided")[0], `run ${i + 1}`).toMatchObject({ agent: "census", source });
      expect(ofType(events, "agent_started")).toEqual([expect.objectContaining({ agent: "census", tier: "standard", tools: ["lookup_population"] })]);
      expect(ofType(events, "tool_call")).toEqual([expect.objectContaining({ agent: "census", name: "lookup_population", source: "code" })]);
      expect(ofType(events, "tool_result")[0]).toMatchObject({ source: "code", isError: false });
      expect(ofType(events, "tool_result")[0].content).toContain("2102650");
      expect(ofType(events, "token").length).toBeGreaterThan(0);
      expect(ofType(events, "token").every((t) => t.agent === "census")).toBe(true);
      expect(ofType(events, "final_answer")[0]).toMatchObject({ agent: "census", tier: "standard" });
      expect(ofType(events, "final_answer")[0].answer).toContain("2102650");
      expect(tokensOf(events)).toBeGreaterThan(0);
    }
    // One ledger row per run (one tier each), with tokens, for the tenant.
    expect(ledger.rows.map((r) => [r.tenant, r.threadId, r.tier])).toEqual(runs.map(() => ["acme", threadId, "standard"]));
    expect(ledger.rows.every((r) => r.inputTokens > 0 && r.outputTokens > 0 && r.calls === 2)).toBe(true);

    // A failure no tier can fix (a 400 from the gateway) fails the run; the thread carries on.
    file.emu.enqueueFault("500", { status: 400 });
    await expect(runAs(graph, "And the population of Lille?", threadId)).rejects.toThrow(/^The census agent \(standard tier\) failed: .*rejected the request as invalid \(400/);
    const after = await runAs(graph, "What is the population of Lille?", threadId);
    expect(ofType(after, "final_answer")[0]).toMatchObject({ agent: "census", tier: "standard" });

    // The standard tier's stream breaks: the factory's agent moves up to its next tier.
    file.emu.enqueueFault("cut-after-first-token");
    const escalated = await runAs(graph, "Say hello", threadId, { agent: "census" });
    expect(ofType(escalated, "escalation")).toEqual([expect.objectContaining({ agent: "census", from: "standard", to: "premium", kind: "stream_cut" })]);
    expect(ofType(escalated, "final_answer")[0]).toMatchObject({ agent: "census", tier: "premium" });
    const usage = ofType(escalated, "usage")[0];
    expect(usage.perTier.premium!.total).toBeGreaterThan(0);
    expect(ledger.rows.filter((r) => r.tier === "premium")).toEqual([expect.objectContaining({ tenant: "acme", threadId })]);

    // Another tenant cannot run on the thread, which stays as it was.
    const before = (await graph.getState({ configurable: { thread_id: threadId } })).values.messages.length;
    await expect(collect(graph, "What is the population of Lyon?", { threadId, tenant: "beta", owners: store.owners })).rejects.toThrow(`No thread "${threadId}" was found.`);
    expect((await graph.getState({ configurable: { thread_id: threadId } })).values.messages).toHaveLength(before);
  });

  it("a compiled graph without a messages state fails the run saying what it needs", async () => {
    const odd = new StateGraph(Annotation.Root({ count: Annotation<number> })).addNode("tally", () => ({ count: 1 })).addEdge("__start__", "tally").compile();
    const counter = defineAgent({ name: "counter", description: "Counts", tier: "fast", agent: odd as never });
    const graph = createOrchestrator({ ...(await file.runtimeWith()), agents: [counter], logger: silentLogger });
    await expect(collect(graph, "Count", { agent: "counter" })).rejects.toThrow("The counter agent on the fast tier returned no messages; a compiled graph agent needs a messages state");
  });

  it("refuses a factory that does not return a createAgent agent, naming the agent", async () => {
    const odd = defineAgent({ name: "odd", description: "Returns something else", agent: () => ({ options: {} }) });
    const build = async () => createOrchestrator({ ...(await file.runtimeWith()), agents: [odd], logger: silentLogger });
    await expect(build()).rejects.toMatchObject({ code: "invalid_orchestrator_config" });
    await expect(build()).rejects.toThrow('The factory of agent "odd" must return a createAgent agent');
  });
});

describe("a specialist that is the app's compiled graph", () => {
  it("is routed, streamed and costed from its messages, run after run, and fails without escalating", async () => {
    const { registry } = await file.runtimeWith();
    // The app's graph calls a model of its own choosing; here the fast tier's, for a gateway answer.
    const model: BaseChatModel = registry.chatModel("fast");
    const digestGraph = new StateGraph(MessagesAnnotation)
      .addNode("answer", async (state, config) => {
        if (state.messages.at(-1)?.text.includes("explode")) throw new Error("the digest graph broke");
        if (state.messages.at(-1)?.text.includes("silent")) return { messages: [] };
        return { messages: [await model.invoke(state.messages, config)] };
      })
      .addEdge("__start__", "answer")
      .addEdge("answer", "__end__")
      .compile();
    const digest = defineAgent({ name: "digest", description: "Summarises meeting notes", tiers: ["fast", "standard"], agent: digestGraph });
    const ledger = recordingLedger();
    const graph = createOrchestrator({ registry, agents: [digest], routing: { rules: [{ name: "notes", agent: "digest", keywords: ["digest"] }] }, checkpointer: store.checkpointer, ledger, logger: silentLogger });
    expect(Object.keys((await graph.getGraphAsync()).nodes)).toContain("digest");

    const threadId = "digest-thread";
    const runs: [string, StreamStepsOptions, string][] = [
      ["Make a digest of these notes: budget approved", {}, "rule"],
      ["Summarise the notes again", { agent: "digest" }, "explicit"],
      ["One more digest, please", {}, "rule"],
    ];
    for (const [i, [task, options, source]] of runs.entries()) {
      const events = await runAs(graph, task, threadId, options);
      expect(ofType(events, "route_decided")[0], `run ${i + 1}`).toMatchObject({ agent: "digest", source });
      expect(ofType(events, "agent_started")).toEqual([expect.objectContaining({ agent: "digest", tools: [], maxSteps: 0 })]);
      expect(ofType(events, "token").length).toBeGreaterThan(0);
      expect(ofType(events, "token").every((t) => t.agent === "digest")).toBe(true);
      const [final] = ofType(events, "final_answer");
      expect(final).toMatchObject({ agent: "digest", provider: "gateway" });
      expect(final.answer.length).toBeGreaterThan(0);
      expect(tokensOf(events)).toBeGreaterThan(0);
    }
    expect(ledger.rows).toHaveLength(3);
    expect(ledger.rows.every((r) => r.tenant === "acme" && r.threadId === threadId && r.inputTokens > 0 && r.calls === 1)).toBe(true);
    // The thread holds each run's question and the graph's answer.
    expect((await graph.getState({ configurable: { thread_id: threadId } })).values.messages).toHaveLength(6);

    // A failure inside the graph ends the run, even one a project agent would escalate on (no
    // answer): another tier would run the same graph.
    for (const [task, message] of <[string, RegExp][]>[
      ["digest: explode", /^The digest agent \(fast tier\) failed: .*failed unexpectedly \(Error\)/],
      ["digest: stay silent", /^The digest agent \(fast tier\) failed: .*ended without an answer/],
    ]) {
      const failed: StepEvent[] = [];
      await expect(
        (async () => {
          for await (const e of streamSteps(task, { graph, threadId, tenant: "acme", owners: store.owners, agent: "digest", tier: "fast" })) failed.push(e);
        })(),
      ).rejects.toThrow(message);
      expect(ofType(failed, "escalation")).toEqual([]);
      expect(ofType(failed, "agent_started").map((e) => e.tier)).toEqual(["fast"]);
    }
    const after = await runAs(graph, "A digest after the failure", threadId);
    expect(ofType(after, "final_answer")[0]).toMatchObject({ agent: "digest" });

    await expect(collect(graph, "A digest from outside", { threadId, tenant: "beta", owners: store.owners })).rejects.toThrow(`No thread "${threadId}" was found.`);
  });
});

describe("approval declared on the tool", () => {
  const refundTool = () =>
    requireApproval(
      tool(async ({ order }) => `refund filed for order ${order}`, { name: "file_refund", description: "Files a refund for an order", schema: z.object({ order: z.string() }) }),
      { allowedDecisions: ["approve", "reject"] },
    );

  it.each([
    ["the project builds", undefined],
    ["a factory builds", (a: SpecialistFactoryArgs) => createAgent({ model: a.model, tools: a.tools, systemPrompt: a.systemPrompt })],
  ])("pauses before the tool runs and resumes on approval, when %s the agent", async (_how, factory) => {
    const clerk = defineAgent({ name: "clerk", description: "Handles refunds", tools: [refundTool()], tier: "fast", ...(factory ? { agent: factory } : {}) });
    const graph = createOrchestrator({ ...(await file.runtimeWith()), agents: [clerk], checkpointer: new MemorySaver(), logger: silentLogger });
    const threadId = `refund-${factory ? "factory" : "project"}`;
    for (const run of [1, 2]) {
      const paused = await collect(graph, "Please file a refund for order 42", { threadId, agent: "clerk" });
      expect(ofType(paused, "approval_required"), `run ${run}`).toEqual([expect.objectContaining({ tool: "file_refund", agent: "clerk", allowedDecisions: ["approve", "reject"] })]);
      expect(ofType(paused, "tool_result")).toEqual([]);
      const resumed = await collect(graph, { approval: { decision: "approve" } }, { threadId, approver: "alice" });
      expect(ofType(resumed, "tool_result")).toEqual([expect.objectContaining({ name: "file_refund", source: "code", isError: false })]);
      expect(ofType(resumed, "final_answer")[0].answer).toContain("refund filed for order");
    }
  });

  it("defaults to approve and reject, and refuses decisions there are not", () => {
    expect(approvalOf(requireApproval(populationTool()))).toEqual(["approve", "reject"]);
    expect(approvalOf(populationTool())).toBeUndefined();
    expect(() => requireApproval(populationTool(), { allowedDecisions: ["allow" as never] })).toThrow(ConfigurationError);
    expect(() => requireApproval(populationTool(), { allowedDecisions: [] })).toThrow('Tool "lookup_population": allowedDecisions must list approve, edit, reject');
    // Declared by hand in the tool's metadata, wrongly: defineAgent names the agent and the tool.
    const bad = tool(async () => "x", { name: "odd_tool", description: "Does odd things", schema: z.object({}), metadata: { approval: { allowedDecisions: ["maybe"] } } });
    expect(() => defineAgent({ name: "clerk", description: "Handles refunds", tools: [bad] })).toThrow('Invalid agent "clerk": tools.odd_tool: Tool "odd_tool": allowedDecisions must list');
  });

  it("a policy in the configuration still changes the decisions a tool declares", async () => {
    const clerk = defineAgent({ name: "clerk", description: "Handles refunds", tools: [refundTool()], tier: "fast", approvals: { file_refund: ["approve", "edit", "reject"] } });
    const graph = createOrchestrator({ ...(await file.runtimeWith()), agents: [clerk], checkpointer: new MemorySaver(), logger: silentLogger });
    const paused = await collect(graph, "Please file a refund for order 7", { threadId: "refund-policy", agent: "clerk" });
    expect(ofType(paused, "approval_required")[0].allowedDecisions).toEqual(["approve", "edit", "reject"]);
  });
});

describe("tools given to the orchestrator", () => {
  it("the app's tools show as code and the shipped ones as builtin", async () => {
    const graph = createOrchestrator({ ...(await file.runtimeWith()), tools: { ...createToolbox({}), lookup_population: populationTool() }, logger: silentLogger });
    const events = await collect(graph, "What is the population of Lyon, and the current datetime?", { tier: "fast" });
    expect(Object.fromEntries(ofType(events, "tool_call").map((e) => [e.name, e.source]))).toEqual({ lookup_population: "code", current_datetime: "builtin" });
  });
});

describe("tools of a specialist", () => {
  it("a toolbox name the toolbox does not have is refused, naming the agent and the tool", async () => {
    const clerk = defineAgent({ name: "clerk", description: "Handles refunds", tools: [populationTool(), "refund_desk"] });
    const build = async () => createOrchestrator({ ...(await file.runtimeWith()), agents: [clerk], logger: silentLogger });
    await expect(build()).rejects.toThrow('Agent "clerk" names tools the toolbox does not have: refund_desk');
  });

  it.each([
    ["a tool given twice", { tools: [populationTool(), populationTool()] }, 'tools: lists the tool "lookup_population" twice'],
    ["a tool object and a name that clash", { tools: ["lookup_population", populationTool()] }, 'tools: lists the tool "lookup_population" twice'],
    ["something that is not a tool", { tools: [42] }, "tools.0: must be a tool name or a LangChain tool"],
    ["a compiled graph with tools", { tools: ["calculator"], agent: { invoke: async () => ({}) } }, "tools: is not used by a compiled graph agent"],
    ["an agent that is neither", { agent: 7 }, "agent: must be a factory"],
  ])("refuses %s, naming the agent", (_what, fields, message) => {
    const define = () => defineAgent({ name: "clerk", description: "Handles refunds", ...(fields as object) });
    expect(define).toThrow(ConfigurationError);
    expect(define).toThrow(`Invalid agent "clerk": ${message}`);
  });
});
