/**
 * How runs fail against a third-party-shaped gateway (a loopback stub, not our emulator):
 * failures no tier can fix end the run at once with one error; upstream error text, even one
 * that echoes a key, reaches no event, response, state or checkpoint; missing usage is unknown.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { MemorySaver } from "@langchain/langgraph";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { StepEvent } from "../../graphs/orchestrator/events.js";
import { OrchestratorError } from "../../graphs/orchestrator/errors.js";
import { createOrchestrator, type OrchestratorGraph } from "../../graphs/orchestrator/graph.js";
import { streamSteps, type StreamStepsOptions } from "../../src/runs/index.js";
import { createCheckpointer } from "../../graphs/persistence.js";
import { HumanRenderer } from "../../src/cli/render.js";
import type { ProviderRegistry } from "../../src/providers/index.js";
import { silentLogger } from "../helpers/gateway.js";
import { startStubGateway, stubRegistry, type StubGateway } from "../helpers/stub_gateway.js";
import { build, tempDir } from "./server_helpers.js";

const LEAK = "sk-live-0123456789abcdefLEAK";
const echoing = (code: string) => ({ error: { message: `Incorrect API key provided: ${LEAK}`, type: "invalid_request_error", code } });

let stub: StubGateway;
const cleanups: (() => Promise<unknown> | void)[] = [];
beforeAll(async () => {
  stub = await startStubGateway();
});
afterAll(() => stub.close());
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

function registry(extra: Record<string, string> = {}): ProviderRegistry {
  const r = stubRegistry(stub, extra);
  cleanups.push(() => r.close());
  return r;
}

async function run(graph: OrchestratorGraph, task: string, options: StreamStepsOptions = {}): Promise<{ events: StepEvent[]; error?: unknown }> {
  const events: StepEvent[] = [];
  try {
    for await (const e of streamSteps(task, { graph, ...options })) events.push(e);
    return { events };
  } catch (error) {
    return { events, error };
  }
}

describe("failures no tier can fix", () => {
  it.each([
    ["invalid_client from the token endpoint", "auth", () => stub.enqueueToken({ status: 401, body: { error: "invalid_client", error_description: `bad secret ${LEAK}` } })],
    ["403 from the API", "forbidden", () => stub.enqueueChat({ status: 403, body: echoing("forbidden") })],
    ["400 from the API", "bad_request", () => stub.enqueueChat({ status: 400, body: echoing("invalid_request") })],
  ])("%s ends the run with one error and no escalation, on a thread's first and later runs", async (_name, kind, script) => {
    const graph = createOrchestrator({ registry: registry(), checkpointer: new MemorySaver(), logger: silentLogger });
    for (const attempt of [1, 2]) {
      const chatBefore = stub.chatRequests;
      script();
      const { events, error } = await run(graph, "What is 12.5% of 3,480?", { threadId: `fails-${kind}`, tier: "fast" });
      expect(error, `attempt ${attempt}`).toBeInstanceOf(OrchestratorError);
      expect((error as OrchestratorError).kind).toBe(kind);
      expect((error as Error).message).not.toContain("sk-live");
      expect(events.filter((e) => e.type === "escalation")).toEqual([]);
      expect(events.filter((e) => e.type === "agent_started").map((e) => (e as { tier: string }).tier)).toEqual(["fast"]);
      expect(stub.chatRequests - chatBefore).toBeLessThanOrEqual(1);
      expect(JSON.stringify(events)).not.toContain("sk-live");
    }
    // The thread still works once the gateway does.
    const { events, error } = await run(graph, "What is 12.5% of 3,480?", { threadId: `fails-${kind}`, tier: "fast" });
    expect(error).toBeUndefined();
    expect(events.find((e) => e.type === "final_answer")).toMatchObject({ answer: "stub answer" });
  });
});

describe("a gateway budget that is spent", () => {
  // LiteLLM's answer for a virtual key over its max_budget.
  const budgetSpent = { status: 400, body: { error: { message: "Budget has been exceeded! Current cost: 10.0421, Max budget: 10.0", type: "budget_exceeded", param: null, code: "400" } } };

  it("ends the run as quota with code gateway_budget_exceeded, in the graph and in the HTTP error body", async () => {
    const graph = createOrchestrator({ registry: registry(), checkpointer: new MemorySaver(), logger: silentLogger });
    stub.enqueueChat(budgetSpent);
    const { events, error } = await run(graph, "What is 2 + 2?", { threadId: "budget-graph", tier: "fast" });
    expect(error).toBeInstanceOf(OrchestratorError);
    expect(error).toMatchObject({ kind: "quota", code: "gateway_budget_exceeded", status: 400 });
    expect((error as Error).message).toMatch(/quota or budget is used up/);
    expect((error as Error).message).not.toMatch(/invalid|messages, tools and parameters/);
    expect(events.filter((e) => e.type === "escalation")).toEqual([]);

    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const app = await build(dir, {}, { registry: registry() });
    cleanups.push(() => app.close());
    stub.enqueueChat(budgetSpent);
    const res = await app.inject({ method: "POST", url: "/api/runs", payload: { task: "What is 2 + 2?", threadId: "budget-http", tier: "fast" } });
    expect(res.statusCode).toBe(502);
    expect(res.json().error).toMatchObject({ code: "run_failed", failure: { kind: "quota", code: "gateway_budget_exceeded", status: 400, provider: "gateway" } });
    expect(res.json().error.message).toMatch(/quota or budget is used up/);
  });
});

describe("an identity provider that hangs", () => {
  it("ends the run after one token timeout, not one per tier", async () => {
    const graph = createOrchestrator({ registry: registry({ AI_GATEWAY_TOKEN_TIMEOUT_MS: "300" }), checkpointer: new MemorySaver(), logger: silentLogger });
    const tokensBefore = stub.tokenRequests;
    stub.enqueueToken({ hang: true });
    const { events, error } = await run(graph, "What is 12.5% of 3,480?", { threadId: "idp-hangs", tier: "fast" });
    expect((error as OrchestratorError).kind).toBe("token_timeout");
    expect(events.filter((e) => e.type === "escalation")).toEqual([]);
    expect(events.filter((e) => e.type === "agent_started")).toHaveLength(1);
    // One token request: no other tier asked the identity provider again.
    expect(stub.tokenRequests - tokensBefore).toBe(1);
  });
});

describe("upstream error text", () => {
  it("never reaches a response, an event, the state or the checkpoint file", async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const sqlitePath = join(dir, "checkpoints.sqlite");
    const persistence = await createCheckpointer({ sqlitePath });
    cleanups.push(() => persistence.close());
    const app = await build(dir, {}, { registry: registry(), checkpointer: persistence.checkpointer });
    cleanups.push(() => app.close());

    // A failure that ends the run at once (sync route)...
    stub.enqueueChat({ status: 400, body: echoing("invalid_request") });
    const sync = await app.inject({ method: "POST", url: "/api/runs", payload: { task: "What is 2 + 2?", threadId: "leak-1", tier: "fast" } });
    expect(sync.statusCode).toBe(502);
    expect(sync.json()).toMatchObject({ error: { code: "run_failed", failure: { kind: "bad_request", tier: "fast", status: 400, provider: "gateway" } } });
    // ...and one that escalates through every tier (SSE route).
    for (let i = 0; i < 3; i++) stub.enqueueChat({ status: 404, body: echoing("model_not_found") });
    const streamed = await app.inject({ method: "POST", url: "/api/runs/stream", payload: { task: "What is 2 + 2?", threadId: "leak-2", tier: "fast" } });
    expect(streamed.body).toContain("event: escalation");
    expect(streamed.body).toContain("event: error");
    for (const body of [sync.body, streamed.body]) {
      expect(body).not.toContain("sk-live");
      expect(body).not.toContain("Incorrect API key");
    }

    const graph = createOrchestrator({ registry: registry(), checkpointer: persistence.checkpointer, logger: silentLogger });
    for (const threadId of ["leak-1", "leak-2"]) {
      const state = await graph.getState({ configurable: { thread_id: threadId } }, { subgraphs: true });
      expect(state.values.run.error).toBeDefined();
      expect(JSON.stringify(state)).not.toContain("sk-live");
    }
    // The database and its write-ahead log, where recent pages live until a checkpoint.
    const file = Buffer.concat(readdirSync(dir).filter((f) => f.startsWith("checkpoints.sqlite")).map((f) => readFileSync(join(dir, f))));
    // The failures are in the file (so the search below reads real checkpoints), their upstream text is not.
    expect(file.includes("bad_request")).toBe(true);
    expect(file.includes("model_not_found")).toBe(true);
    expect(file.includes("sk-live")).toBe(false);
    expect(file.includes("Incorrect API key")).toBe(false);
  });
});

describe("a thread over HTTP", () => {
  it("a failed run, then two good ones on the same threadId: each reports its own figures", async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const app = await build(dir, {}, { registry: registry() });
    cleanups.push(() => app.close());
    const post = () => app.inject({ method: "POST", url: "/api/runs", payload: { task: "What is 2 + 2?", threadId: "http-thread", tier: "fast" } });
    stub.enqueueChat({ status: 403, body: echoing("forbidden") });
    const failed = await post();
    expect(failed.statusCode).toBe(502);
    expect(failed.json().error.failure).toMatchObject({ kind: "forbidden", tier: "fast" });
    const second = (await post()).json();
    const third = (await post()).json();
    for (const body of [second, third]) {
      expect(body.result).toMatchObject({ answer: "stub answer", tier: "fast" });
      expect(body.escalations).toEqual([]);
      expect(body.usage.total.total).toBe(5); // the stub's usage for one call
    }
    expect(second.usage.thread.total.total).toBe(5);
    expect(third.usage.thread.total.total).toBe(10);
    // The SSE endpoint on the same thread: its own usage, and the thread's sum.
    const streamed = await app.inject({ method: "POST", url: "/api/runs/stream", payload: { task: "What is 2 + 2?", threadId: "http-thread", tier: "fast" } });
    const usageEvent = streamed.body.split("\n\n").find((b) => b.startsWith("event: usage"));
    const usage = JSON.parse(usageEvent!.slice(usageEvent!.indexOf("data: ") + 6)) as { total: { total: number }; thread: { total: { total: number } } };
    expect(usage.total.total).toBe(5);
    expect(usage.thread.total.total).toBe(15);
    const thread = (await app.inject({ method: "GET", url: "/api/threads/http-thread" })).json();
    expect(thread.result).toMatchObject({ tier: "fast" });
    expect(thread.error).toBeNull();
    // The failed run's task was asked again by the next run, which replaced it: one copy per answered run.
    expect(thread.messages.filter((m: { role: string }) => m.role === "user")).toEqual(Array.from({ length: 3 }, () => ({ role: "user", content: "What is 2 + 2?" })));
  });
});

describe("missing usage", () => {
  it("is reported as unknown for the provider, and the CLI says so instead of printing zeros", async () => {
    const graph = createOrchestrator({ registry: registry(), checkpointer: new MemorySaver(), logger: silentLogger });
    stub.enqueueChat({ stream: ["no ", "usage ", "here"], noUsage: true });
    const { events, error } = await run(graph, "Say something", { threadId: "no-usage", tier: "fast" });
    expect(error).toBeUndefined();
    const usage = events.find((e) => e.type === "usage");
    expect(usage).toMatchObject({ unknown: ["gateway"], total: { input: 0, output: 0, total: 0 }, perTier: { fast: { calls: 1, unknown: ["gateway"] } } });
    let printed = "";
    const renderer = new HumanRenderer({ write: (s) => void (printed += s) });
    for (const e of events) renderer.render(e);
    renderer.finish();
    expect(printed).toContain("usage  usage not reported by gateway · cost unknown");
    expect(printed).not.toMatch(/0 in \+ 0 out/);
  });
});
