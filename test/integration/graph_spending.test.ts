/**
 * Budgets and ledger rows carried by the graph itself: the orchestrator run with `graph.stream`
 * and a `{ tenant, user }` run context (as `langgraph dev`, LangGraph Server and SDK clients run
 * it, with no run service) checks the budget at the start of each run (downgrade, then refuse) and
 * writes one set of ledger rows per run, keyed by tenant, user, thread and run. A run through the
 * run service is recorded exactly once too: the service no longer writes a second set.
 */
import { MemorySaver } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { BudgetExceededError } from "../../graphs/orchestrator/errors.js";
import type { CustomStepEvent, StepEvent } from "../../graphs/orchestrator/events.js";
import { createOrchestrator, type OrchestratorGraph } from "../../graphs/orchestrator/graph.js";
import type { OrchestratorStateType } from "../../graphs/orchestrator/state.js";
import { resolveBudgets, type BudgetConfig } from "../../src/policy/budget_config.js";
import { createRunService, streamSteps } from "../../src/runs/index.js";
import { memoryLedger, type UsageEntry, type UsageLedger } from "../../src/usage/index.js";
import { silentLogger } from "../helpers/gateway.js";
import { emulatorForFile, ofType } from "../helpers/orchestrator.js";

const file = emulatorForFile({ models: ["gpt-5-nano", "gpt-5-mini", "gpt-5.1"] });
const tiers = { tiers: { fast: { models: { gateway: "gpt-5-nano" } }, standard: { models: { gateway: "gpt-5-mini" } }, premium: { models: { gateway: "gpt-5.1" } } } };
const budgets = resolveBudgets({ downgradeAt: 0.8, tenants: { acme: { daily: 1 }, beta: { daily: 1 } } });

/** A ledger that keeps every `append` call (one per recorded run), so a second set of rows shows. */
function countingLedger(): UsageLedger & { appends: UsageEntry[][] } {
  const inner = memoryLedger();
  const appends: UsageEntry[][] = [];
  return {
    appends,
    append: async (entries) => {
      appends.push(entries);
      await inner.append(entries);
    },
    spent: (filter) => inner.spent(filter),
    report: (by, filter) => inner.report(by, filter),
  };
}

async function setup(options: { budgets?: BudgetConfig } = {}) {
  const ledger = countingLedger();
  const graph = createOrchestrator({ ...(await file.runtimeWith(tiers)), checkpointer: new MemorySaver(), logger: silentLogger, ledger, budgets: options.budgets });
  return { ledger, graph };
}

/** One run of `graph` as the LangGraph dev server runs it: graph.stream with a run context. */
async function streamGraph(graph: OrchestratorGraph, task: string, context: Record<string, unknown>, threadId: string): Promise<{ events: StepEvent[]; error?: unknown }> {
  const events: StepEvent[] = [];
  try {
    const stream = await graph.stream({ messages: [{ role: "user", content: task }] }, { streamMode: "custom", context: context as never, configurable: { thread_id: threadId } });
    for await (const e of stream) events.push(e as CustomStepEvent);
    return { events };
  } catch (error) {
    return { events, error };
  }
}

/** Spending recorded outside the runs, so the tenant stands where the test wants it. */
const seed = (ledger: UsageLedger, tenant: string, usd: number) =>
  ledger.append([{ at: Date.now(), runId: `seed-${Math.random()}`, tenant, tier: "fast", inputTokens: 0, outputTokens: 0, calls: 0, costUsd: usd, unpriced: false }]);

/** The rows written for one usage event: one per tier that made calls, with its figures. */
function rowsOf(usage: Extract<StepEvent, { type: "usage" }>) {
  return Object.entries(usage.perTier)
    .filter(([, u]) => u && u.calls > 0)
    .map(([tier, u]) => ({ tier, inputTokens: u!.input, outputTokens: u!.output, calls: u!.calls, costUsd: u!.costUsd }));
}

describe("the graph records usage wherever it runs (graph.stream, no run service)", () => {
  it("writes one set of rows per run, keyed by tenant, user, thread and run, on a thread's first, second and third runs", async () => {
    const { ledger, graph } = await setup();
    const who = { tenant: "acme", user: "alice", tier: "fast" };
    const runs: { events: StepEvent[]; error?: unknown }[] = [];
    for (const task of ["Say hello one", "Say hello two", "Say hello three"]) {
      const r = await streamGraph(graph, task, who, "thread-1");
      expect(r.error).toBeUndefined();
      runs.push(r);
      // Written by the time the run's stream ends: once per run, none before.
      expect(ledger.appends).toHaveLength(runs.length);
    }
    const runIds = new Set<string>();
    ledger.appends.forEach((rows, i) => {
      const [usage] = ofType(runs[i].events, "usage");
      expect(rows.map(({ tier, inputTokens, outputTokens, calls, costUsd }) => ({ tier, inputTokens, outputTokens, calls, costUsd }))).toEqual(rowsOf(usage));
      for (const row of rows) expect(row).toMatchObject({ tenant: "acme", user: "alice", threadId: "thread-1" });
      runIds.add(rows[0].runId);
    });
    expect(runIds.size).toBe(3);
    // The run id of the rows is the run's own (kept in its state).
    const state = await graph.getState({ configurable: { thread_id: "thread-1" } });
    expect((state.values as OrchestratorStateType).run?.id).toBe(ledger.appends[2][0].runId);
    expect((await ledger.report(["tenant", "user"]))[0]).toMatchObject({ tenant: "acme", user: "alice", runs: 3 });
  });

  it("downgrades, then refuses a tenant near its budget; another tenant's budget is its own", async () => {
    const { ledger, graph } = await setup({ budgets });
    const acme = { tenant: "acme", tier: "premium" };
    const first = await streamGraph(graph, "Say hello one", acme, "acme-thread");
    expect(ofType(first.events, "budget")).toEqual([]);
    expect(ofType(first.events, "route_decided")[0].tier).toBe("premium");

    await seed(ledger, "acme", 0.85);
    const second = await streamGraph(graph, "Say hello two", acme, "acme-thread");
    expect(second.events[0]).toMatchObject({ type: "budget", action: "downgraded", maxTier: "standard", scope: "tenant", name: "acme" });
    expect(ofType(second.events, "route_decided")[0].tier).toBe("standard");
    expect(ofType(second.events, "final_answer")).toHaveLength(1);
    // The cap is the run's, kept in its state for the nodes after the router.
    const capped = await graph.getState({ configurable: { thread_id: "acme-thread" } });
    expect((capped.values as OrchestratorStateType).run?.maxTier).toBe("standard");

    await seed(ledger, "acme", 0.07);
    const third = await streamGraph(graph, "Say hello three", acme, "acme-thread");
    expect(third.events[0]).toMatchObject({ type: "budget", action: "downgraded", maxTier: "fast" });
    expect(ofType(third.events, "route_decided")[0].tier).toBe("fast");

    await seed(ledger, "acme", 0.1);
    const appended = ledger.appends.length;
    const fourth = await streamGraph(graph, "Say hello four", acme, "acme-thread");
    expect(fourth.error).toBeInstanceOf(BudgetExceededError);
    expect(fourth.events.map((e) => e.type)).toEqual(["budget"]);
    expect(fourth.events[0]).toMatchObject({ action: "refused", name: "acme" });
    expect(ledger.appends).toHaveLength(appended);

    const beta = await streamGraph(graph, "Say hello beta", { tenant: "beta", tier: "premium" }, "beta-thread");
    expect(ofType(beta.events, "budget")).toEqual([]);
    expect(ofType(beta.events, "route_decided")[0].tier).toBe("premium");
    expect((await ledger.report(["tenant"])).find((g) => g.tenant === "beta")?.runs).toBe(1);
    // acme: three answered runs and three seeds; the refused run wrote nothing.
    expect((await ledger.report(["tenant"])).find((g) => g.tenant === "acme")?.runs).toBe(3 + 3);
  });

  it("refuses a bad tenant or user in the run context, naming it", async () => {
    const { ledger, graph } = await setup({ budgets });
    const r = await streamGraph(graph, "Say hello", { tenant: "a b" }, "bad-thread");
    expect((r.error as Error).message).toMatch(/tenant: must be 1 to 128 letters/);
    expect(ledger.appends).toEqual([]);
  });
});

describe("a run through the run service", () => {
  it("is recorded exactly once, with the caller's tenant and user (streamSteps and createRunService)", async () => {
    const { ledger, graph } = await setup({ budgets });
    const viaSteps: StepEvent[] = [];
    for await (const e of streamSteps("Say hello", { graph, tenant: "acme", user: "bob", threadId: "svc-thread", tier: "fast" })) viaSteps.push(e);
    expect(ledger.appends).toHaveLength(1);
    expect(ledger.appends[0].map(({ tier, inputTokens, outputTokens, calls, costUsd }) => ({ tier, inputTokens, outputTokens, calls, costUsd }))).toEqual(rowsOf(ofType(viaSteps, "usage")[0]));
    expect(ledger.appends[0][0]).toMatchObject({ tenant: "acme", user: "bob", threadId: "svc-thread" });

    const service = createRunService({ graph });
    const viaService: StepEvent[] = [];
    for await (const e of service.stream({ tenant: "acme", user: "bob" }, { input: "Say hello again", threadId: "svc-thread", tier: "fast" })) viaService.push(e);
    expect(ledger.appends).toHaveLength(2);
    expect(ledger.appends[1].reduce((n, r) => n + r.costUsd, 0)).toBeCloseTo(ofType(viaService, "usage")[0].costUsd, 9);
    expect((await ledger.report(["user"], { user: "bob" }))[0]).toMatchObject({ runs: 2 });

    // The service's budget check is the graph's: a tenant over budget is refused through it too.
    await seed(ledger, "acme", 1);
    const refused: StepEvent[] = [];
    await expect(async () => {
      for await (const e of service.stream({ tenant: "acme" }, { input: "Say hello", threadId: "svc-thread-2", tier: "fast" })) refused.push(e);
    }).rejects.toBeInstanceOf(BudgetExceededError);
    expect(refused.map((e) => e.type)).toEqual(["budget"]);
  });
});
