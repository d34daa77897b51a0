/**
 * Budgets through `streamSteps`, applied by the graph (it holds the ledger and the budgets): a
 * tenant near its daily limit is downgraded one tier at a time (a `budget` event says so,
 * escalations stop at the cap), then refused before anything runs;
 * another tenant is not affected. The ledger in the SQLite store holds exactly what the usage
 * events reported. Runs two, three and four share one thread.
 */
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BudgetExceededError, OrchestratorError } from "../../graphs/orchestrator/errors.js";
import type { StepEvent } from "../../graphs/orchestrator/events.js";
import { createOrchestrator } from "../../graphs/orchestrator/graph.js";
import { streamSteps, type StreamStepsOptions } from "../../src/runs/index.js";
import { createCheckpointer, type CheckpointerHandle } from "../../graphs/persistence.js";
import { resolveBudgets } from "../../src/policy/budget_config.js";
import { silentLogger } from "../helpers/gateway.js";
import { emulatorForFile, ofType } from "../helpers/orchestrator.js";
import { tempDir } from "./server_helpers.js";

const file = emulatorForFile({ models: ["gpt-5-nano", "gpt-5-mini", "gpt-5.1"] });
const tmp = tempDir();
const handles: CheckpointerHandle[] = [];
afterAll(async () => {
  for (const h of handles) await h.close();
  tmp.cleanup();
});

const budgets = resolveBudgets({ downgradeAt: 0.8, tenants: { acme: { daily: 1 }, beta: { daily: 1 } } });
const tiers = { tiers: { fast: { models: { gateway: "gpt-5-nano" } }, standard: { models: { gateway: "gpt-5-mini" } }, premium: { models: { gateway: "gpt-5.1" } } } };

async function setup(tierFile: Record<string, unknown> = tiers, withLedger = true) {
  const handle = await createCheckpointer({ sqlitePath: join(tmp.dir, `budgets-${handles.length}.sqlite`) });
  handles.push(handle);
  const graph = createOrchestrator({ ...(await file.runtimeWith(tierFile)), checkpointer: handle.checkpointer, logger: silentLogger, budgets, ...(withLedger ? { ledger: handle.ledger } : {}) });
  return { handle, graph };
}

/** Events of a run, and its error if it threw. */
async function run(task: string, options: StreamStepsOptions): Promise<{ events: StepEvent[]; error?: unknown }> {
  const events: StepEvent[] = [];
  try {
    for await (const e of streamSteps({ messages: [{ role: "user", content: task }] }, { tier: "premium", ...options })) events.push(e);
    return { events };
  } catch (error) {
    return { events, error };
  }
}

/** Spending recorded outside the runs, so the tenant stands where the test wants it. */
const spend = (handle: CheckpointerHandle, tenant: string, usd: number) => handle.ledger.append([{ at: Date.now(), runId: `seed-${Math.random()}`, tenant, tier: "fast", inputTokens: 0, outputTokens: 0, calls: 0, costUsd: usd, unpriced: false }]);

describe("budgets", () => {
  it("downgrades premium to standard, then to fast, then refuses; another tenant runs on premium", async () => {
    const { handle, graph } = await setup();
    const acme = { graph, tenant: "acme", threadId: "acme-thread" };
    const first = await run("Say hello one", acme);
    expect(ofType(first.events, "budget")).toEqual([]);
    expect(ofType(first.events, "route_decided")[0].tier).toBe("premium");

    await spend(handle, "acme", 0.85);
    const second = await run("Say hello two", acme);
    const [down] = ofType(second.events, "budget");
    expect(down).toMatchObject({ action: "downgraded", maxTier: "standard", scope: "tenant", name: "acme", period: "daily", limitUsd: 1 });
    expect(down.spentUsd).toBeGreaterThan(0.85);
    expect(second.events[0].type).toBe("budget");
    expect(ofType(second.events, "route_decided")[0].tier).toBe("standard");
    expect(ofType(second.events, "final_answer")).toHaveLength(1);

    await spend(handle, "acme", 0.07);
    const third = await run("Say hello three", acme);
    expect(ofType(third.events, "budget")[0]).toMatchObject({ action: "downgraded", maxTier: "fast" });
    expect(ofType(third.events, "route_decided")[0].tier).toBe("fast");

    await spend(handle, "acme", 0.1);
    const messagesOf = async () => ((await graph.getState({ configurable: { thread_id: "acme-thread" } })).values as { messages: unknown[] }).messages.length;
    const held = await messagesOf();
    const fourth = await run("Say hello four", acme);
    // Refused before the graph wrote anything: the thread is as it was.
    expect(await messagesOf()).toBe(held);
    expect(fourth.error).toBeInstanceOf(BudgetExceededError);
    expect((fourth.error as Error).message).toMatch(/daily budget of tenant acme is used up .* Nothing was run\./);
    expect(fourth.events.map((e) => e.type)).toEqual(["budget"]);
    expect(ofType(fourth.events, "budget")[0]).toMatchObject({ action: "refused", name: "acme" });

    // Another tenant's budget is its own.
    const beta = await run("Say hello beta", { graph, tenant: "beta" });
    expect(ofType(beta.events, "budget")).toEqual([]);
    expect(ofType(beta.events, "route_decided")[0].tier).toBe("premium");
    expect(ofType(beta.events, "final_answer")).toHaveLength(1);

    // The ledger holds what the usage events said, per tenant and tier (the seeded spend apart).
    const byTier = await handle.ledger.report(["tenant", "tier"]);
    const usage = [first, second, third].map((r) => ofType(r.events, "usage")[0]);
    for (const tier of ["premium", "standard", "fast"] as const) {
      const reported = usage.reduce((n, u) => n + (u.perTier[tier]?.costUsd ?? 0), 0);
      const ledgered = byTier.filter((g) => g.tenant === "acme" && g.tier === tier).reduce((n, g) => n + g.costUsd, 0);
      // The seeded spend sits on the fast tier.
      expect(ledgered).toBeCloseTo(reported + (tier === "fast" ? 0.85 + 0.07 + 0.1 : 0), 5);
    }
    expect(byTier.filter((g) => g.tenant === "beta").map((g) => g.tier)).toEqual(["premium"]);
    expect((await handle.ledger.report(["tenant"])).find((g) => g.tenant === "acme")?.runs).toBe(3 + 3);
  });

  it("a downgraded run does not escalate past its cap", async () => {
    // Standard's model is one the gateway does not have: normally the run escalates to premium.
    const broken = { tiers: { ...tiers.tiers, standard: { models: { gateway: "gpt-missing" } } } };
    const { handle, graph } = await setup(broken);
    const free = await run("Say hello", { graph, tier: "standard", tenant: "beta" });
    expect(ofType(free.events, "escalation").map((e) => e.to)).toEqual(["premium"]);
    await spend(handle, "beta", 0.85);
    const capped = await run("Say hello again", { graph, tier: "standard", tenant: "beta" });
    expect(ofType(capped.events, "budget")[0]).toMatchObject({ maxTier: "standard" });
    expect(ofType(capped.events, "escalation")).toEqual([]);
    expect(capped.error).toBeInstanceOf(OrchestratorError);
  });

  it("refuses a bad user or tenant name before anything runs, and records nothing without a ledger", async () => {
    const { graph } = await setup(tiers, false);
    for (const bad of ["", "a b", "x".repeat(129), "bad\nname"]) {
      const r = await run("Say hello", { graph, user: bad });
      expect((r.error as Error).message).toMatch(/user must be 1 to 128 letters/);
      expect(r.events).toEqual([]);
    }
    const r = await run("Say hello", { graph, tenant: "acme" });
    expect(r.error).toBeUndefined();
    expect(ofType(r.events, "final_answer")).toHaveLength(1);
    expect(ofType(r.events, "budget")).toEqual([]);
  });
});

describe("the spend of a run that ends before its usage event", () => {
  const report = async (handle: CheckpointerHandle, user: string) => (await handle.ledger.report(["user"], { user }))[0];

  it("is recorded when the caller stops reading after the first model call, and the next run on the thread adds its own", async () => {
    const { handle, graph } = await setup();
    const options = { graph, user: "quitter", threadId: "quit-thread", tier: "fast" as const };
    const events: StepEvent[] = [];
    // The calculator's call has been made and answered: one model call is spent; the answer is not read.
    for await (const e of streamSteps({ messages: [{ role: "user", content: "What is 12.5% of 3,480?" }] }, options)) {
      events.push(e);
      if (e.type === "tool_result") break;
    }
    expect(ofType(events, "usage")).toEqual([]);
    const quit = await report(handle, "quitter");
    expect(quit).toMatchObject({ calls: 1 });
    expect(quit.inputTokens).toBeGreaterThan(0);
    expect(quit.costUsd).toBeGreaterThan(0);
    // A whole run on the same thread afterwards: its usage event is recorded once, nothing twice.
    const whole = await run("Say hello", options);
    const [usage] = ofType(whole.events, "usage");
    const after = await report(handle, "quitter");
    expect(after.calls).toBe(1 + usage.perTier.fast!.calls);
    expect(after.costUsd).toBeCloseTo(quit.costUsd + usage.costUsd, 6);
  });

  it("is recorded for a run aborted by its caller's signal, and the budget check sees it", async () => {
    const { handle, graph } = await setup();
    const controller = new AbortController();
    const events: StepEvent[] = [];
    let error: unknown;
    try {
      for await (const e of streamSteps({ messages: [{ role: "user", content: "What is 12.5% of 3,480?" }] }, { graph, tenant: "acme", threadId: "abort-thread", tier: "fast", signal: controller.signal })) {
        events.push(e);
        if (e.type === "tool_call") controller.abort();
      }
    } catch (err) {
      error = err;
    }
    expect(error).toBeDefined();
    expect(ofType(events, "usage")).toEqual([]);
    expect(await handle.ledger.spent({ tenant: "acme" })).toBeGreaterThan(0);
  });

  it("counts the classifier's call of a run that stops right after its route", async () => {
    const { handle, graph } = await setup();
    const events: StepEvent[] = [];
    for await (const e of streamSteps({ messages: [{ role: "user", content: "Tell me something nice about rivers" }] }, { graph, user: "router-only", threadId: "classified-thread", routingMode: "classifier" })) {
      events.push(e);
      if (e.type === "route_decided") break;
    }
    expect(ofType(events, "route_decided")[0].source).toBe("classifier");
    expect(await report(handle, "router-only")).toMatchObject({ calls: 1 });
    expect((await handle.ledger.report(["tier"], { user: "router-only" })).map((r) => r.tier)).toEqual(["fast"]);
  });

  it("is left to the resuming run when a run pauses for approval: counted once, when it resumes", async () => {
    const { handle, graph } = await setup({ ...tiers, approvals: { calculator: ["approve", "reject"] } });
    const options = { graph, user: "approver", threadId: "approval-thread", tier: "fast" as const };
    const paused = await run("What is 12.5% of 3,480?", options);
    expect(ofType(paused.events, "approval_required")).toHaveLength(1);
    expect(await report(handle, "approver")).toBeUndefined();
    const resumed: StepEvent[] = [];
    for await (const e of streamSteps({ approval: { decision: "approve" } }, options)) resumed.push(e);
    const [usage] = ofType(resumed, "usage");
    expect(usage.perTier.fast!.calls).toBe(2);
    expect(await report(handle, "approver")).toMatchObject({ calls: 2 });
  });
});

