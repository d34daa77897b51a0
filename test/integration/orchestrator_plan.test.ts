/**
 * The plan route against the emulator: a composite task is planned into subtasks that run at
 * once (emulated model latency 300 ms), each on its own agent and tier, escalating on its own;
 * a part that no tier can do does not sink the others; the bounds hold; and a thread's later
 * runs (planned or not, after a failure) start afresh.
 */
import { MemorySaver } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { createOrchestrator } from "../../graphs/orchestrator/graph.js";
import { ProviderRegistry } from "../../src/providers/index.js";
import { resolvePolicy } from "../../src/policy/tier_config.js";
import { emulator, silentLogger } from "../helpers/gateway.js";
import { collectTimed, emulatorForFile, ofType } from "../helpers/orchestrator.js";

const file = emulatorForFile({ latency: { ttftMs: 300 } });
const runtimeWith = file.runtimeWith;
const collect = collectTimed;

const COMPOSITE = "1. What is 17 * 23?\n2. Design a caching architecture for a web shop\n3. Write a short note about the benefits of queues";

describe("plan and fan out", () => {
  it("plans a composite task, runs the subtasks at the same time on their own tiers, then synthesizes one answer", async () => {
    const graph = createOrchestrator({ ...(await runtimeWith()), checkpointer: new MemorySaver(), logger: silentLogger });
    const events = await collect(graph, COMPOSITE, { threadId: "plan-basic", plan: true });
    expect(ofType(events, "route_decided")[0]).toMatchObject({ agent: "planner", tier: "standard", source: "explicit" });
    const [plan] = ofType(events, "plan_created");
    expect(plan.subtasks.map((s) => s.task)).toEqual(["What is 17 * 23?", "Design a caching architecture for a web shop", "Write a short note about the benefits of queues"]);
    const started = ofType(events, "subtask_started");
    const finished = ofType(events, "subtask_finished");
    expect(started.map((s) => s.subtaskId)).toEqual(["t1", "t2", "t3"]);
    expect(finished.every((f) => f.ok)).toBe(true);
    // Concurrent: every subtask started before the first one finished (each takes at least one 300 ms call).
    expect(Math.max(...started.map((s) => s.at))).toBeLessThan(Math.min(...finished.map((f) => f.at)));
    // Each routed on its own: the arithmetic to fast, the design to premium.
    expect(started.find((s) => s.subtaskId === "t1")).toMatchObject({ tier: "fast", agent: "fast_agent", source: "rule" });
    expect(started.find((s) => s.subtaskId === "t2")).toMatchObject({ tier: "premium", agent: "premium_agent", source: "rule" });
    // Events inside a subtask carry its id; the tool result belongs to t1.
    expect(ofType(events, "tool_result")).toEqual([expect.objectContaining({ subtaskId: "t1", content: "391" })]);
    expect(ofType(events, "agent_started").every((a) => a.subtaskId !== undefined)).toBe(true);
    // One answer, streamed by the synthesizer only.
    const finals = ofType(events, "final_answer");
    expect(finals).toHaveLength(1);
    expect(finals[0]).toMatchObject({ agent: "synthesizer", tier: "standard" });
    expect(finals[0].answer).toMatch(/^Simulated answer/);
    const answerTokens = ofType(events, "token").filter((t) => t.subtaskId === undefined);
    expect(answerTokens.every((t) => t.agent === "synthesizer")).toBe(true);
    expect(answerTokens.map((t) => t.text).join("")).toBe(finals[0].answer);
    // Usage per subtask, and the run's total covers planner, subtasks and synthesizer on every tier used.
    const [usage] = ofType(events, "usage");
    expect(Object.keys(usage.perTier).sort()).toEqual(["fast", "premium", "standard"]);
    const subtaskTokens = finished.reduce((n, f) => n + f.usage.total.total, 0);
    expect(usage.total.total).toBeGreaterThan(subtaskTokens);
    expect(usage.premiumOnlyCostUsd).toBeGreaterThanOrEqual(usage.costUsd);
    const state = (await graph.getState({ configurable: { thread_id: "plan-basic" } })).values as { messages: { text: string }[]; run: { plan: { subtasks: unknown[] }; result: { agent: string } } };
    expect(state.messages).toHaveLength(2);
    expect(state.run.result.agent).toBe("synthesizer");
    expect(state.run.plan.subtasks).toHaveLength(3);
  });

  it("a rule with plan: true chooses the plan route; later runs on the thread, planned or not, start afresh", async () => {
    const graph = createOrchestrator({
      ...(await runtimeWith({ routing: { rules: [{ name: "numbered", plan: true, pattern: "^1\\. " }] } })),
      checkpointer: new MemorySaver(),
      logger: silentLogger,
    });
    const threadId = "plan-thread";
    const first = await collect(graph, COMPOSITE, { threadId });
    expect(ofType(first, "route_decided")[0]).toMatchObject({ agent: "planner", source: "rule" });
    const second = await collect(graph, "Hello there", { threadId });
    expect(ofType(second, "plan_created")).toEqual([]);
    expect(ofType(second, "final_answer")[0].agent).not.toBe("synthesizer");
    const secondState = (await graph.getState({ configurable: { thread_id: threadId } })).values as { run: { plan?: unknown }; subtasks: { results: object } };
    expect(secondState.run.plan).toBeUndefined();
    expect(secondState.subtasks.results).toEqual({});
    const third = await collect(graph, "1. What is 2 + 2?\n2. What is 3 + 3?", { threadId });
    expect(ofType(third, "subtask_finished").map((f) => f.subtaskId)).toEqual(expect.arrayContaining(["t1", "t2"]));
    expect(ofType(third, "subtask_finished")).toHaveLength(2);
    const [usage] = ofType(third, "usage");
    expect(usage.thread.total.total).toBeGreaterThan(usage.total.total);
  });

  it("one failing subtask escalates alone while the others finish", async () => {
    const graph = createOrchestrator({ ...(await runtimeWith({ tiers: { fast: { models: { gateway: "missing-fast" } } } })), checkpointer: new MemorySaver(), logger: silentLogger });
    const events = await collect(graph, COMPOSITE, { threadId: "plan-escalates", plan: true });
    const escalations = ofType(events, "escalation");
    expect(escalations.map((e) => `${e.subtaskId}:${e.from}->${e.to}`)).toEqual(["t1:fast->standard"]);
    const finished = ofType(events, "subtask_finished");
    // t3 has no rule; the classifier runs on the missing fast model, so t3 takes the default tier.
    expect(finished.map((f) => `${f.subtaskId}:${f.tier}:${f.ok}:${f.escalations}`).sort()).toEqual(["t1:standard:true:1", "t2:premium:true:0", "t3:standard:true:0"]);
    expect(ofType(events, "final_answer")).toHaveLength(1);
  });

  it("a part that no tier can do does not sink the others: the synthesizer is told, and says so", async () => {
    const graph = createOrchestrator({
      ...(await runtimeWith({
        agents: { sums: { description: "Does arithmetic", tools: ["calculator"], tier: "fast" } },
        routing: { rules: [{ agent: "sums", needsTools: ["calculator"] }] },
        tiers: { fast: { models: { gateway: "missing-fast" } } },
      })),
      checkpointer: new MemorySaver(),
      logger: silentLogger,
    });
    const events = await collect(graph, COMPOSITE, { threadId: "plan-part-fails", plan: true });
    const finished = ofType(events, "subtask_finished");
    expect(finished.find((f) => f.subtaskId === "t1")).toMatchObject({ ok: false, agent: "sums", kind: "model_not_found" });
    expect(finished.filter((f) => f.ok).map((f) => f.subtaskId).sort()).toEqual(["t2", "t3"]);
    const [final] = ofType(events, "final_answer");
    // The simulated synthesizer echoes its input: the failed part is named in it.
    expect(final.answer).toContain("FAILED");
    expect(final.agent).toBe("synthesizer");
  });

  it("keeps to the bounds: most subtasks, parallelism, and the time budget", async () => {
    const runtime = await runtimeWith({ plan: { maxSubtasks: 2, maxParallel: 1 } });
    const graph = createOrchestrator({ ...runtime, logger: silentLogger });
    const events = await collect(graph, "1. What is 1 + 1?\n2. What is 2 + 2?\n3. What is 3 + 3?\n4. What is 4 + 4?", { plan: true });
    expect(ofType(events, "plan_created")[0].subtasks).toHaveLength(2);
    const order = events.filter((e) => e.type === "subtask_started" || e.type === "subtask_finished").map((e) => `${e.type === "subtask_started" ? "start" : "end"}:${(e as { subtaskId: string }).subtaskId}`);
    expect(order).toEqual(["start:t1", "end:t1", "start:t2", "end:t2"]);

    const slow = await emulator({ latency: { ttftMs: 700 } });
    try {
      const slowRegistry = await ProviderRegistry.create({
        env: { AI_GATEWAY_BASE_URL: slow.baseUrl, AI_GATEWAY_CLIENT_ID: slow.clientId, AI_GATEWAY_CLIENT_SECRET: slow.clientSecret },
        logger: silentLogger,
        discovery: { enabled: false },
      });
      file.adopt(slowRegistry);
      const budget = await collect(createOrchestrator({ registry: slowRegistry, policy: resolvePolicy({ plan: { timeoutMs: 1_000, maxParallel: 1 } }), logger: silentLogger }), "1. What is 1 + 1?\n2. Write a note about queues", { plan: true });
      const ended = ofType(budget, "subtask_finished");
      expect(ended.some((f) => !f.ok && f.kind === "timeout")).toBe(true);
      expect(ofType(budget, "final_answer")).toHaveLength(1);
    } finally {
      await slow.close();
    }
  }, 30_000);

  it("a planner that fails leaves a plan of one subtask, saying why", async () => {
    const graph = createOrchestrator({ ...(await runtimeWith({ plan: { plannerTier: "premium" }, tiers: { premium: { models: { gateway: "missing-premium" } } } })), logger: silentLogger });
    const events = await collect(graph, COMPOSITE, { plan: true });
    const [plan] = ofType(events, "plan_created");
    expect(plan.subtasks).toEqual([{ id: "t1", task: COMPOSITE, dependsOn: [] }]);
    expect(plan.note).toMatch(/^the planner failed: /);
    expect(ofType(events, "final_answer")).toHaveLength(1);
  });

  it("refuses bad plan settings, naming the key", () => {
    expect(() => resolvePolicy({ plan: { maxParallel: 0 } })).toThrow("plan.maxParallel: must be a positive integer");
    expect(() => resolvePolicy({ plan: { maxSubtasks: 50 } })).toThrow("plan.maxSubtasks: must be at most 20");
    expect(() => resolvePolicy({ plan: { plannerTier: "turbo" } })).toThrow("plan.plannerTier: must be one of fast, standard, premium");
    expect(() => resolvePolicy({ plan: { depth: 2 } })).toThrow('plan: unknown key "depth"');
  });
});

describe("the plan route over HTTP", () => {
  it("plan: true plans the run; a non-boolean plan is refused naming the field", async () => {
    const { build, tempDir } = await import("./server_helpers.js");
    const tmp = tempDir();
    const app = await build(tmp.dir, { AI_GATEWAY_BASE_URL: file.emu.baseUrl, AI_GATEWAY_CLIENT_ID: file.emu.clientId, AI_GATEWAY_CLIENT_SECRET: file.emu.clientSecret });
    try {
      const res = await app.inject({ method: "POST", url: "/api/runs", payload: { task: COMPOSITE, plan: true } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ status: "completed", route: { agent: "planner" }, result: { agent: "synthesizer" } });
      const bad = await app.inject({ method: "POST", url: "/api/runs", payload: { task: COMPOSITE, plan: "yes" } });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.fields).toEqual([expect.objectContaining({ path: "plan" })]);
    } finally {
      await app.close();
      tmp.cleanup();
    }
  });
});
