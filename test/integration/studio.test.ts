/**
 * `npm run studio` end to end, driven the way LangGraph Studio drives it: the official
 * `@langchain/langgraph-sdk` client against `langgraph dev` started on a free port with the real
 * langgraph.json. No provider is configured, so the graph uses the local emulator.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../helpers/gateway.js";
import { startLangGraphDev, type LangGraphDev } from "../helpers/langgraph_dev.js";

let dev: LangGraphDev;
let client: Client;
let assistantId = "";
// current_datetime needs approval in the Studio server (no other test here calls it).
const configDir = mkdtempSync(join(tmpdir(), "studio-test-"));
const tiersFile = join(configDir, "tiers.yaml");
writeFileSync(tiersFile, "approvals:\n  current_datetime: [approve, reject]\n");

/** One streamed part of a run, as the SDK yields it. */
interface Part {
  event: string;
  data: unknown;
}

/** Streams a run on a new thread and collects every part. */
async function streamRun(payload: Record<string, unknown>): Promise<Part[]> {
  const thread = await client.threads.create();
  const parts: Part[] = [];
  for await (const part of client.runs.stream(thread.thread_id, assistantId, payload as never)) parts.push(part as Part);
  return parts;
}

/** Text of a serialised message chunk from the messages-tuple mode. */
const chunkText = (m: { content?: unknown }) =>
  typeof m.content === "string" ? m.content : Array.isArray(m.content) ? m.content.map((b: { text?: string }) => b.text ?? "").join("") : "";

beforeAll(async () => {
  // The graph opens the project's store for its usage ledger: a temporary one, not the checkout's .data.
  dev = await startLangGraphDev({ TIERS_CONFIG: tiersFile, CHECKPOINT_SQLITE_PATH: join(configDir, "store.sqlite") });
  ({ client, assistantId } = dev);
}, 60_000);

afterAll(async () => {
  await dev?.stop();
  rmSync(configDir, { recursive: true, force: true });
}, 15_000);

describe("langgraph dev via the SDK", () => {
  it("serves state, input, output and context schemas", async () => {
    const schemas = await client.assistants.getSchemas(assistantId);
    const props = (s: unknown) => Object.keys((s as { properties?: object } | null)?.properties ?? {});
    expect(props(schemas.input_schema)).toEqual(["messages", "tier", "agent", "plan"]);
    expect(props(schemas.state_schema)).toEqual(["messages", "tier", "agent", "plan", "run", "subtasks", "approvals", "threadUsage"]);
    expect(props(schemas.output_schema)).toEqual(["messages", "run", "threadUsage", "approvals"]);
    const run = (schemas.state_schema as { properties: { run: unknown } }).properties.run;
    expect(props(run)).toEqual(["id", "task", "route", "activeTier", "activeAgent", "maxTier", "failedTiers", "escalations", "usage", "plan", "result", "error"]);
    const context = (schemas.context_schema as { properties?: Record<string, { enum?: string[] }> }).properties ?? {};
    expect(Object.keys(context)).toEqual(["tier", "agent", "approver", "routingMode", "maxTier", "tenant", "user"]);
    expect([...(context.tier?.enum ?? [])].sort()).toEqual(["fast", "premium", "standard"]);
  }, 70_000);

  it("draws the three tier agents as subgraphs, with their model and tools nodes under xray", async () => {
    const flat = await client.assistants.getGraph(assistantId);
    const ids = (g: { nodes: { id: string | number }[] }) => g.nodes.map((n) => String(n.id));
    expect(ids(flat)).toEqual(expect.arrayContaining(["router", "fast_agent", "standard_agent", "premium_agent", "planner", "dispatch", "synthesizer", "fail"]));
    const xray = await client.assistants.getGraph(assistantId, { xray: true });
    for (const tier of ["fast", "standard", "premium"]) {
      expect(ids(xray)).toEqual(expect.arrayContaining([`${tier}_agent:model_request`, `${tier}_agent:tools`]));
    }
    const edges = xray.edges.map((e) => `${e.source}->${e.target}`);
    // Escalation is an edge from one tier's agent to the next.
    expect(edges.some((e) => e.startsWith("fast_agent:") && e.includes("->standard_agent:"))).toBe(true);
    expect(edges.some((e) => e.startsWith("standard_agent:") && e.includes("->premium_agent:"))).toBe(true);
  });

  it("streams the agent's tokens in messages-tuple mode without subgraphs, and never the classifier's output", async () => {
    for (const run of [1, 2]) {
      const parts = await streamRun({ input: { messages: [{ role: "user", content: "Write a limerick about queues" }] }, streamMode: ["custom", "messages-tuple"] });
      const errors = parts.filter((p) => p.event === "error");
      expect(errors, JSON.stringify(errors)).toEqual([]);
      const custom = parts.filter((p) => p.event === "custom").map((p) => p.data as Record<string, unknown>);
      expect(custom.find((d) => d.type === "route_decided")).toMatchObject({ source: "classifier" });
      const final = custom.find((d) => d.type === "final_answer");
      expect(final, `run ${run}`).toMatchObject({ simulated: true, tier: "fast" });
      const chunks = parts
        .filter((p) => p.event === "messages")
        .map((p) => p.data as [{ type?: string; content?: unknown }, { langgraph_node?: string }])
        .filter(([m]) => m.type === "AIMessageChunk" || m.type === "ai");
      const tokens = chunks.filter(([, meta]) => meta.langgraph_node === "fast_agent");
      expect(tokens.length).toBeGreaterThan(1);
      expect(tokens.map(([m]) => chunkText(m)).join("")).toBe(final!.answer);
      // The classifier's structured output ({"tier":...,"reason":...}) is not in the messages stream.
      expect(JSON.stringify(parts.filter((p) => p.event === "messages"))).not.toContain('\\"reason\\"');
    }
  }, 60_000);

  it("a thread's second and third runs each report their own usage; the thread state sums them", async () => {
    const thread = await client.threads.create();
    const usages: { total: { total: number }; thread: { total: { total: number } } }[] = [];
    for (let i = 0; i < 3; i++) {
      const parts: Part[] = [];
      const stream = client.runs.stream(thread.thread_id, assistantId, {
        input: { messages: [{ role: "user", content: "What is 12.5% of 3,480?" }] },
        streamMode: ["custom"],
      } as never);
      for await (const part of stream) parts.push(part as Part);
      const custom = parts.filter((p) => p.event === "custom").map((p) => p.data as Record<string, unknown>);
      expect(custom.filter((d) => d.type === "escalation")).toEqual([]);
      expect(custom.find((d) => d.type === "final_answer")).toMatchObject({ tier: "fast" });
      usages.push(custom.find((d) => d.type === "usage") as (typeof usages)[number]);
    }
    const runs = usages.map((u) => u.total.total);
    expect(usages.map((u) => u.thread.total.total)).toEqual([runs[0], runs[0] + runs[1], runs[0] + runs[1] + runs[2]]);
    const state = (await client.threads.getState(thread.thread_id)).values as { messages: unknown[]; run: { failedTiers: string[]; escalations: unknown[] }; threadUsage: { fast: { calls: number } } };
    expect(state.run.failedTiers).toEqual([]);
    expect(state.run.escalations).toEqual([]);
    expect(state.threadUsage.fast.calls).toBe(6);
  }, 60_000);

  it("the events mode carries each token once", async () => {
    const parts = await streamRun({ input: { messages: [{ role: "user", content: "What is 12.5% of 3,480?" }] }, streamMode: ["events", "custom"] });
    const final = parts.filter((p) => p.event === "custom").map((p) => p.data as Record<string, unknown>).find((d) => d.type === "final_answer");
    expect(final).toBeDefined();
    const streamed = parts
      .filter((p) => p.event === "events")
      .map((p) => p.data as { event: string; data?: { chunk?: { content?: unknown; kwargs?: { content?: unknown } } } })
      .filter((e) => e.event === "on_chat_model_stream")
      .map((e) => chunkText(e.data?.chunk?.kwargs ?? e.data?.chunk ?? {}))
      .join("");
    // The answer's text (after the tool call) appears once, not twice.
    expect(streamed).toBe(final!.answer);
  }, 60_000);

  it("rejects an unknown input key, naming it in one line", async () => {
    const parts = await streamRun({ input: { task: "What is 2 + 2?" }, streamMode: ["custom"] });
    const error = parts.find((p) => p.event === "error")?.data as { error?: string; message?: string } | undefined;
    expect(error?.message).toMatch(/^Invalid input: unknown input key "task"; send the task as a message/);
    expect(error?.message).not.toContain("\n");
  }, 60_000);

  it("rejects an unknown context key and a bad tier, each in one line", async () => {
    const unknownKey = await streamRun({ input: { messages: [{ role: "user", content: "hi" }] }, context: { tierr: "fast" }, streamMode: ["custom"] });
    expect((unknownKey.find((p) => p.event === "error")?.data as { message?: string }).message).toBe(
      'Invalid context: unknown key "tierr"; the run context takes tier, agent, approver, routingMode, maxTier, tenant, user.',
    );
    const badTier = await streamRun({ input: { messages: [{ role: "user", content: "hi" }] }, context: { tier: "huge" }, streamMode: ["custom"] });
    expect((badTier.find((p) => p.event === "error")?.data as { message?: string }).message).toBe("Invalid context: context.tier: must be one of fast, standard, premium.");
  }, 60_000);
});

describe("the same run on every surface", () => {
  /** Visible events of a run: everything but the surfaces' own framing (run ids, timings). */
  type Visible = Record<string, unknown> & { type: string };

  async function viaStudio(task: string, plan: boolean): Promise<Visible[]> {
    const parts = await streamRun({ input: { messages: [{ role: "user", content: task }], ...(plan ? { plan } : {}) }, streamMode: ["custom", "messages-tuple"] });
    const out: Visible[] = [];
    for (const p of parts) {
      if (p.event === "custom") out.push(p.data as Visible);
      if (p.event !== "messages") continue;
      const [m, meta] = p.data as [{ type?: string; content?: unknown }, { langgraph_node?: string; tier?: string; agent?: string; subtask_id?: string }];
      const text = chunkText(m);
      // An agent's answer token: the relay marks it with the tier and the agent, streamed from the agent's node.
      if (m.type === "ai" && meta.tier && meta.agent && meta.langgraph_node === meta.agent && text) {
        out.push({ type: "token", text, tier: meta.tier, agent: meta.agent, ...(meta.subtask_id ? { subtaskId: meta.subtask_id } : {}) });
      }
    }
    return out;
  }

  async function viaStreamSteps(task: string, plan: boolean): Promise<Visible[]> {
    const { createRuntime } = await import("../../src/runtime/index.js");
    const { createOrchestrator } = await import("../../graphs/orchestrator/graph.js");
    const { streamSteps } = await import("../../src/runs/index.js");
    const runtime = await createRuntime({ env: {}, logger: silentLogger, onSimulated: () => undefined });
    try {
      const graph = createOrchestrator({ registry: runtime.registry, simulated: runtime.simulated });
      const out: Visible[] = [];
      for await (const e of streamSteps(task, { graph, plan })) out.push(e as unknown as Visible);
      return out;
    } finally {
      await runtime.close();
    }
  }

  async function viaCli(task: string, plan: boolean): Promise<{ json: Visible[]; rendered: string }> {
    const { offlineEnv, runCli } = await import("../helpers/cli.js");
    const env = offlineEnv({ CHECKPOINT_SQLITE_PATH: ":memory:" });
    const json = await runCli(["--json", ...(plan ? ["--plan"] : []), task], env);
    expect(json.code, json.stderr).toBe(0);
    const events = json.stdout.trim().split("\n").map((l) => JSON.parse(l) as Visible);
    const rendered = await runCli([...(plan ? ["--plan"] : []), task], env);
    expect(rendered.code, rendered.stderr).toBe(0);
    return { json: events.filter((e) => e.type !== "run_started" && e.type !== "run_finished"), rendered: rendered.stdout };
  }

  async function viaSse(task: string, plan: boolean): Promise<Visible[]> {
    const { createRuntime } = await import("../../src/runtime/index.js");
    const { build, tempDir } = await import("./server_helpers.js");
    const runtime = await createRuntime({ env: {}, logger: silentLogger, onSimulated: () => undefined });
    const { dir, cleanup } = tempDir();
    const app = await build(dir, {}, { registry: runtime.registry, simulated: runtime.simulated });
    try {
      const res = await app.inject({ method: "POST", url: "/api/runs/stream", payload: { task, ...(plan ? { plan } : {}) } });
      const events = res.body
        .split("\n\n")
        .map((block) => /^event: (.+)\ndata: (.*)$/s.exec(block.trim()))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => JSON.parse(m[2]) as Visible & { threadId?: string });
      return events.filter((e) => !("threadId" in e)); // run_started and end carry the thread id
    } finally {
      await app.close();
      await runtime.close();
      cleanup();
    }
  }

  // Subtasks run at once, so their events interleave differently from run to run: a plan's
  // events are compared as a set, in a stable order (the answer's tokens keep theirs).
  const comparable = (events: Visible[], plan: boolean) => (plan ? events.map((e) => JSON.stringify(e)).sort() : events);

  it.each([
    ["Write a limerick about queues", false],
    ["What is 12.5% of 3,480?", false],
    ["1. What is 17 * 23?\n2. Write a limerick about queues", true],
  ] as const)("%s (plan: %s): identical events and answer through streamSteps, the CLI, SSE and langgraph dev", async (task, plan) => {
    const reference = await viaStreamSteps(task, plan);
    const final = reference.find((e) => e.type === "final_answer") as { answer: string } | undefined;
    expect(final?.answer).toBeTruthy();
    expect(reference.filter((e) => e.type === "token" && e.subtaskId === undefined).map((e) => e.text).join("")).toBe(final!.answer);
    expect(JSON.stringify(reference)).not.toContain('"reason":"example"'); // the classifier's raw output
    if (plan) expect(reference.filter((e) => e.type === "subtask_finished")).toHaveLength(2);
    const cli = await viaCli(task, plan);
    expect(comparable(cli.json, plan)).toEqual(comparable(reference, plan));
    expect(comparable(await viaSse(task, plan), plan)).toEqual(comparable(reference, plan));
    expect(comparable(await viaStudio(task, plan), plan)).toEqual(comparable(reference, plan));
    // The rendered CLI shows the same answer, once, and nothing of the classifier's output.
    expect(cli.rendered.split("\n").filter((l) => l.startsWith("answer "))).toEqual([`answer ${final!.answer}`]);
    expect(cli.rendered).not.toContain('"tier"');
  }, 120_000);
});

describe("approval in Studio", () => {
  it("the run pauses with the standard interrupt, and a Command resume finishes it, on two runs of a thread", async () => {
    const thread = await client.threads.create();
    for (const [run, decision] of [
      [1, { type: "approve" }],
      [2, { type: "reject", message: "The reviewer said no." }],
    ] as const) {
      const parts: Part[] = [];
      const input = { messages: [{ role: "user", content: "Call current_datetime: what time is it in UTC?" }] };
      for await (const p of client.runs.stream(thread.thread_id, assistantId, { input, streamMode: ["custom"] } as never)) parts.push(p as Part);
      const waiting = parts.filter((p) => p.event === "custom" && (p.data as { type?: string }).type === "approval_required").map((p) => p.data);
      expect(waiting, `run ${run}`).toEqual([expect.objectContaining({ tool: "current_datetime", allowedDecisions: ["approve", "reject"], threadId: thread.thread_id })]);
      const state = await client.threads.getState(thread.thread_id);
      const interrupts = state.tasks.flatMap((t) => t.interrupts as { value?: { actionRequests?: { name: string }[] } }[]);
      expect(interrupts.map((i) => i.value?.actionRequests?.[0]?.name)).toEqual(["current_datetime"]);

      const resumed: Part[] = [];
      for await (const p of client.runs.stream(thread.thread_id, assistantId, { command: { resume: { decisions: [decision] } }, streamMode: ["custom"] } as never)) resumed.push(p as Part);
      const final = resumed.find((p) => p.event === "custom" && (p.data as { type?: string }).type === "final_answer")?.data as { answer: string } | undefined;
      expect(final?.answer, JSON.stringify(resumed).slice(0, 2000)).toContain(run === 1 ? "current_datetime: " : "The reviewer said no.");
    }
    const values = (await client.threads.getState(thread.thread_id)).values as { approvals: { decision: string; tool: string }[] };
    expect(values.approvals.map((a) => `${a.tool}:${a.decision}`)).toEqual(["current_datetime:approve", "current_datetime:reject"]);
  }, 60_000);
});
