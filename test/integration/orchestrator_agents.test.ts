/**
 * Specialist agents against the emulator: declared in code (`defineAgent`) and in the tiers
 * file, picked by a rule, by the classifier from their descriptions, or explicitly; each a
 * node of its own that escalates within its tiers. Every choice is checked on a thread's
 * first, second and third runs.
 */
import { MemorySaver } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { defineAgent } from "../../agents/define_agent.js";
import { ConfigurationError } from "../../src/errors.js";
import type { StepEvent } from "../../graphs/orchestrator/events.js";
import { OrchestratorError, OrchestratorInputError } from "../../graphs/orchestrator/errors.js";
import { createOrchestrator } from "../../graphs/orchestrator/graph.js";
import { streamSteps } from "../../src/runs/index.js";
import { resolveTiersFile } from "../../src/policy/tier_config.js";
import { emulator, silentLogger } from "../helpers/gateway.js";
import { collect, emulatorForFile, ofType } from "../helpers/orchestrator.js";

const file = emulatorForFile();
const runtimeWith = file.runtimeWith;

const researcher = { description: "Finds facts on the web and cites the sources it read", tools: ["current_datetime"], tiers: ["standard", "premium"] };
const writer = { description: "Writes prose: letters, emails and summaries in a friendly tone", tier: "fast" };
const FILE = {
  agents: { researcher, writer },
  routing: { rules: [{ name: "letters", agent: "writer", keywords: ["letter"] }] },
};

describe("specialist agents", () => {
  it("a rule that names an agent hands the task to it, on every run of a thread", async () => {
    const graph = createOrchestrator({ ...(await runtimeWith(FILE)), checkpointer: new MemorySaver(), logger: silentLogger });
    for (const run of [1, 2, 3]) {
      const events = await collect(graph, "Write a short letter to the landlord about the heating", { threadId: "rule-agent" });
      const [route] = ofType(events, "route_decided");
      expect(route, `run ${run}`).toMatchObject({ agent: "writer", tier: "fast", source: "rule" });
      expect(route.reason).toContain('rule "letters"');
      expect(ofType(events, "agent_started")).toEqual([expect.objectContaining({ agent: "writer", tier: "fast", tools: [] })]);
      expect(ofType(events, "final_answer")).toEqual([expect.objectContaining({ agent: "writer", tier: "fast" })]);
      expect(ofType(events, "token").every((t) => t.agent === "writer")).toBe(true);
    }
    const state = await graph.getState({ configurable: { thread_id: "rule-agent" } });
    expect((state.values as { run: { route: { agent: string } } }).run.route.agent).toBe("writer");
    expect((state.values as { messages: unknown[] }).messages).toHaveLength(6);
  });

  it("the classifier picks an agent by its description", async () => {
    const graph = createOrchestrator({ ...(await runtimeWith({ agents: { writer, researcher }, routing: { rules: [] } })), checkpointer: new MemorySaver(), logger: silentLogger });
    for (const run of [1, 2]) {
      const events = await collect(graph, "Find facts about the sources of the Rhine and cite them", { threadId: "classified-agent" });
      const [route] = ofType(events, "route_decided");
      expect(route, `run ${run}`).toMatchObject({ agent: "researcher", source: "classifier" });
      // The classifier said fast; the researcher runs on standard and premium only, so it starts on standard.
      expect(route.tier).toBe("standard");
      expect(ofType(events, "agent_started")).toEqual([expect.objectContaining({ agent: "researcher", tier: "standard", tools: ["current_datetime"] })]);
    }
    const general = await collect(graph, "Hello there", { threadId: "classified-general" });
    expect(ofType(general, "route_decided")[0]).toMatchObject({ agent: "fast_agent", source: "classifier" });
  });

  it("an explicit agent in the input or the run context wins over the rules", async () => {
    const graph = createOrchestrator({ ...(await runtimeWith(FILE)), checkpointer: new MemorySaver(), logger: silentLogger });
    const viaContext = await collect(graph, "Write a letter about the rent", { threadId: "explicit", agent: "researcher" });
    expect(ofType(viaContext, "route_decided")[0]).toMatchObject({ agent: "researcher", tier: "standard", source: "explicit" });
    const viaInput = await collect(graph, { task: "Write a letter about the rent", agent: "researcher", tier: "premium" }, { threadId: "explicit" });
    expect(ofType(viaInput, "route_decided")[0]).toMatchObject({ agent: "researcher", tier: "premium", source: "explicit" });
    // The next run on the thread routes again: the explicit choice was for one run only.
    const next = await collect(graph, "Write a letter about the rent", { threadId: "explicit" });
    expect(ofType(next, "route_decided")[0]).toMatchObject({ agent: "writer", source: "rule" });
  });

  it("an unknown agent is refused with the names of the agents there are, and the thread still works", async () => {
    const graph = createOrchestrator({ ...(await runtimeWith(FILE)), checkpointer: new MemorySaver(), logger: silentLogger });
    const refused = collect(graph, "Hi", { threadId: "unknown-agent", agent: "reseacher" });
    await expect(refused).rejects.toBeInstanceOf(OrchestratorInputError);
    await expect(refused).rejects.toThrow('Unknown agent "reseacher"; the agents are researcher, writer.');
    const after = await collect(graph, "Write a letter", { threadId: "unknown-agent" });
    expect(ofType(after, "final_answer")).toHaveLength(1);
    await expect(collect(graph, { task: "Hi", agent: "x".repeat(41) })).rejects.toThrow("Invalid input: input.agent: must be an agent name of at most 40 characters.");
  });

  it("a specialist escalates within its own tiers, in its own node", async () => {
    const runtime = await runtimeWith({ ...FILE, tiers: { standard: { models: { gateway: "missing-standard" } } } });
    const graph = createOrchestrator({ ...runtime, checkpointer: new MemorySaver(), logger: silentLogger });
    for (const run of [1, 2]) {
      const events = await collect(graph, "Look this up", { threadId: "specialist-escalates", agent: "researcher" });
      expect(ofType(events, "escalation").map((e) => `${e.agent}:${e.from}->${e.to}`), `run ${run}`).toEqual(["researcher:standard->premium"]);
      expect(ofType(events, "final_answer")).toEqual([expect.objectContaining({ agent: "researcher", tier: "premium" })]);
    }
  });

  it("a specialist pinned to one tier fails without escalating to another agent", async () => {
    const graph = createOrchestrator({ ...(await runtimeWith({ ...FILE, tiers: { fast: { models: { gateway: "missing-fast" } } } })), logger: silentLogger });
    const events: StepEvent[] = [];
    await expect(
      (async () => {
        for await (const e of streamSteps("Write a letter", { graph })) events.push(e);
      })(),
    ).rejects.toThrow(OrchestratorError);
    expect(ofType(events, "escalation")).toEqual([]);
    expect(ofType(events, "agent_started").map((e) => e.agent)).toEqual(["writer"]);
  });

  it("each agent is a node of the graph", async () => {
    const graph = createOrchestrator({ ...(await runtimeWith(FILE)), logger: silentLogger });
    const nodes = Object.keys((await graph.getGraphAsync()).nodes);
    expect(nodes).toEqual(expect.arrayContaining(["router", "fast_agent", "standard_agent", "premium_agent", "researcher", "writer", "fail"]));
  });

  it("agents declared in code work like agents from the file", async () => {
    const analyst = defineAgent({ name: "analyst", description: "Crunches numbers with the calculator", tools: ["calculator"], tier: "standard", maxSteps: 3 });
    const graph = createOrchestrator({ ...(await runtimeWith()), agents: [analyst], routing: { rules: [{ agent: "analyst", keywords: ["crunch"] }] }, logger: silentLogger });
    const events = await collect(graph, "Crunch 17 * 23 for me");
    expect(ofType(events, "agent_started")).toEqual([expect.objectContaining({ agent: "analyst", tier: "standard", maxSteps: 3, tools: ["calculator"] })]);
    expect(ofType(events, "tool_call")).toEqual([expect.objectContaining({ agent: "analyst", name: "calculator" })]);
    expect(ofType(events, "final_answer")[0].answer).toContain("391");
  });
});

describe("declaring agents", () => {
  const problemsOf = (input: unknown) => {
    try {
      resolveTiersFile(input);
    } catch (err) {
      if (err instanceof ConfigurationError && err.code === "invalid_tiers_config") return err.problems.map((p) => `${p.path}: ${p.message}`);
      throw err;
    }
    return [];
  };

  it.each([
    ["a reserved name", { agents: { router: { description: "x" } } }, "agents.router"],
    ["a name with capitals", { agents: { Research: { description: "x" } } }, "agents.Research"],
    ["no description", { agents: { a1: {} } }, "agents.a1.description: must be text saying what the agent is for"],
    ["tier and tiers together", { agents: { a1: { description: "x", tier: "fast", tiers: ["fast"] } } }, "agents.a1: give either tier or tiers, not both"],
    ["a bad tier", { agents: { a1: { description: "x", tier: "turbo" } } }, "agents.a1.tier: must be one of fast, standard, premium"],
    ["tools as a string", { agents: { a1: { description: "x", tools: "calculator" } } }, "agents.a1.tools: must be a list of tool names"],
    ["an unknown field", { agents: { a1: { description: "x", model: "gpt" } } }, 'agents.a1: unknown key "model"'],
    ["a rule naming an undeclared agent", { agents: { a1: { description: "x" } }, routing: { rules: [{ agent: "a2", keywords: ["x"] }] } }, 'routing.rules.0.agent: unknown agent "a2"; the agents are a1'],
    ["a bad approval decision", { approvals: { http_get: ["allow"] } }, "approvals.http_get.0: must be one of approve, edit, reject"],
    ["an empty approval list", { agents: { a1: { description: "x", approvals: { http_get: [] } } } }, "agents.a1.approvals.http_get: must allow at least one decision"],
  ])("rejects %s, naming the key", (_what, input, expected) => {
    expect(problemsOf(input).some((p) => p.startsWith(expected))).toBe(true);
  });

  it("an agent that names a tool the toolbox lacks fails at startup, saying why", async () => {
    const runtime = await runtimeWith({ agents: { browser: { description: "Reads pages", tools: ["http_get"] } } });
    expect(() => createOrchestrator({ ...runtime, logger: silentLogger })).toThrow(
      'Agent "browser" names tools the toolbox does not have: http_get (http_get is off unless HTTP_GET_ENABLED=true); the toolbox has calculator, current_datetime.',
    );
  });

  it("defineAgent names the agent and each bad field", () => {
    expect(() => defineAgent({ name: "Writer", description: "" })).toThrow(expect.objectContaining({ name: "ConfigurationError", code: "invalid_agent_definition" }));
    expect(() => defineAgent({ name: "Writer", description: "" })).toThrow(/^Invalid agent "Writer": name: must start with a lower-case letter.*; description: must say what the agent is for$/);
    expect(defineAgent({ name: "writer", description: "Writes", tiers: ["premium", "fast"] }).tiers).toEqual(["fast", "premium"]);
  });
});
