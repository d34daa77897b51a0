/**
 * Human approval of tool calls against the emulator: the pause and its event, approve / edit /
 * reject on a thread's first, second and third runs, the record of each decision, the policy
 * layers, bad decisions, and the HTTP API (pending approval shown, resume by JSON and by SSE,
 * a pending approval that survives a server restart on the same SQLite file).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { MemorySaver } from "@langchain/langgraph";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineAgent } from "../../agents/define_agent.js";
import { pendingApprovals } from "../../graphs/orchestrator/approvals.js";
import { createOrchestrator } from "../../graphs/orchestrator/graph.js";
import { emulator, silentLogger } from "../helpers/gateway.js";
import { collect, emulatorForFile, ofType } from "../helpers/orchestrator.js";
import { build, tempDir } from "./server_helpers.js";

const file = emulatorForFile();
const runtimeWith = file.runtimeWith;

const CALCULATOR_NEEDS_APPROVAL = { approvals: { calculator: ["approve", "edit", "reject"] } };

describe("approval of tool calls", () => {
  it("pauses before the tool runs, then approve, edit and reject each finish the run, on the same thread", async () => {
    const graph = createOrchestrator({ ...(await runtimeWith(CALCULATOR_NEEDS_APPROVAL)), checkpointer: new MemorySaver(), logger: silentLogger });
    const threadId = "approvals-thread";
    const decisions = [
      { approval: { decision: "approve" as const }, answer: "calculator: 391", task: "What is 17 * 23?" },
      { approval: { decision: "edit" as const, args: { expression: "17 * 24" } }, answer: "calculator: 408", task: "What is 17 * 23?" },
      { approval: { decision: "reject" as const, reason: "numbers are not needed today" }, answer: "rejected it: numbers are not needed today", task: "What is 17 * 23?" },
    ];
    for (const [i, step] of decisions.entries()) {
      const paused = await collect(graph, step.task, { threadId });
      expect(ofType(paused, "tool_result"), `run ${i + 1}`).toEqual([]);
      expect(ofType(paused, "final_answer")).toEqual([]);
      const [waiting] = ofType(paused, "approval_required");
      expect(waiting).toMatchObject({ threadId, tool: "calculator", args: { expression: "17 * 23" }, allowedDecisions: ["approve", "edit", "reject"], agent: "fast_agent", tier: "fast" });
      expect(waiting.callId).toMatch(/^call_/);
      const pending = await pendingApprovals(graph, threadId);
      expect(pending).toEqual([expect.objectContaining({ callId: waiting.callId, tool: "calculator", interruptId: waiting.interruptId })]);

      const resumed = await collect(graph, { approval: step.approval }, { threadId, approver: "alice" });
      expect(ofType(resumed, "final_answer")[0].answer).toContain(step.answer);
      expect(await pendingApprovals(graph, threadId)).toEqual([]);
    }
    const state = (await graph.getState({ configurable: { thread_id: threadId } })).values as { approvals: Record<string, unknown>[]; messages: unknown[] };
    expect(state.approvals.map((a) => [a.decision, a.by, a.tool])).toEqual([
      ["approve", "alice", "calculator"],
      ["edit", "alice", "calculator"],
      ["reject", "alice", "calculator"],
    ]);
    expect(state.approvals[1].args).toEqual({ expression: "17 * 24" });
    expect(String(state.approvals[2].reason)).toContain("numbers are not needed today");
    expect(Date.parse(String(state.approvals[0].at))).not.toBeNaN();
  });

  it("a run after a paused one that was never answered still routes and pauses again", async () => {
    const graph = createOrchestrator({ ...(await runtimeWith(CALCULATOR_NEEDS_APPROVAL)), checkpointer: new MemorySaver(), logger: silentLogger });
    await collect(graph, "What is 2 + 2?", { threadId: "abandoned" });
    const second = await collect(graph, "What is 3 + 3?", { threadId: "abandoned" });
    expect(ofType(second, "route_decided")).toHaveLength(1);
    expect(ofType(second, "approval_required")[0].args).toEqual({ expression: "3 + 3" });
  });

  it("refuses a decision the policy does not allow, and edits without arguments, naming the problem", async () => {
    const graph = createOrchestrator({ ...(await runtimeWith({ approvals: { calculator: ["approve", "reject"] } })), checkpointer: new MemorySaver(), logger: silentLogger });
    await collect(graph, "What is 2 + 2?", { threadId: "bad-decisions" });
    await expect(collect(graph, { approval: { decision: "edit", args: { expression: "1" } } }, { threadId: "bad-decisions" })).rejects.toThrow(
      '"edit" is not allowed for calculator; its policy allows approve, reject.',
    );
    await expect(collect(graph, { approval: { decision: "approve", args: { expression: "1" } } }, { threadId: "bad-decisions" })).rejects.toThrow(
      'Arguments are only taken with the "edit" decision',
    );
    // Nothing was lost: the call still waits, and a valid decision finishes it.
    const done = await collect(graph, { approval: { decision: "approve" } }, { threadId: "bad-decisions" });
    expect(ofType(done, "final_answer")[0].answer).toContain("calculator: 4");
    await expect(collect(graph, { approval: { decision: "approve" } }, { threadId: "bad-decisions" })).rejects.toThrow("Nothing is waiting for approval on this thread.");
  });

  it("refuses an approver name with control characters or over 120 characters", async () => {
    const graph = createOrchestrator({ ...(await runtimeWith(CALCULATOR_NEEDS_APPROVAL)), checkpointer: new MemorySaver(), logger: silentLogger });
    await collect(graph, "What is 2 + 2?", { threadId: "bad-approver" });
    await expect(collect(graph, { approval: { decision: "approve" } }, { threadId: "bad-approver", approver: "alice\nadmin" })).rejects.toThrow("approver: must not contain control characters");
    await expect(collect(graph, { approval: { decision: "approve" } }, { threadId: "bad-approver", approver: "x".repeat(121) })).rejects.toThrow("approver: must be at most 120 characters");
    const done = await collect(graph, { approval: { decision: "approve" } }, { threadId: "bad-approver", approver: "alice" });
    expect(ofType(done, "final_answer")).toHaveLength(1);
  });

  it("a tier's policy overrides the top level, and an agent's overrides both", async () => {
    const auditor = defineAgent({ name: "auditor", description: "Checks sums", tools: ["calculator"], approvals: { calculator: ["reject"] } });
    const graph = createOrchestrator({
      ...(await runtimeWith({ approvals: { calculator: ["approve"] }, tiers: { premium: { approvals: { calculator: ["approve", "edit"] } } } })),
      agents: [auditor],
      checkpointer: new MemorySaver(),
      logger: silentLogger,
    });
    const onFast = await collect(graph, "What is 2 + 2?", { threadId: "layers-fast", tier: "fast" });
    expect(ofType(onFast, "approval_required")[0].allowedDecisions).toEqual(["approve"]);
    const onPremium = await collect(graph, "What is 2 + 2?", { threadId: "layers-premium", tier: "premium" });
    expect(ofType(onPremium, "approval_required")[0].allowedDecisions).toEqual(["approve", "edit"]);
    const specialist = await collect(graph, "What is 2 + 2?", { threadId: "layers-agent", agent: "auditor", tier: "premium" });
    expect(ofType(specialist, "approval_required")[0]).toMatchObject({ agent: "auditor", allowedDecisions: ["reject"] });
  });
});

describe("approval inside a plan", () => {
  it("one subtask waits for approval while the others finish; the decision lets the plan end with one answer", async () => {
    const graph = createOrchestrator({ ...(await runtimeWith(CALCULATOR_NEEDS_APPROVAL)), checkpointer: new MemorySaver(), logger: silentLogger });
    const threadId = "plan-approval";
    const paused = await collect(graph, "1. What is 2 + 2?\n2. Write a short note about queues", { threadId, plan: true });
    expect(ofType(paused, "approval_required")).toEqual([expect.objectContaining({ subtaskId: "t1", tool: "calculator", threadId })]);
    expect(ofType(paused, "subtask_finished").map((f) => f.subtaskId)).toEqual(["t2"]);
    expect(ofType(paused, "final_answer")).toEqual([]);
    expect(await pendingApprovals(graph, threadId)).toEqual([expect.objectContaining({ tool: "calculator", args: { expression: "2 + 2" } })]);

    const resumed = await collect(graph, { approval: { decision: "approve" } }, { threadId, approver: "bob" });
    expect(ofType(resumed, "subtask_finished")).toEqual([expect.objectContaining({ subtaskId: "t1", ok: true })]);
    const [final] = ofType(resumed, "final_answer");
    expect(final.agent).toBe("synthesizer");
    expect(final.answer).toContain("calculator: 4");
    const state = (await graph.getState({ configurable: { thread_id: threadId } })).values as { approvals: { by: string; decision: string }[] };
    expect(state.approvals).toEqual([expect.objectContaining({ by: "bob", decision: "approve", tool: "calculator" })]);
  });
});

describe("approval over HTTP", () => {
  const tmp = tempDir();
  const tiersFile = join(tmp.dir, "tiers.yaml");
  writeFileSync(tiersFile, "approvals:\n  calculator: [approve, edit, reject]\n");
  const env = { TIERS_CONFIG: tiersFile, CHECKPOINT_SQLITE_PATH: join(tmp.dir, "threads.sqlite") };
  let app: FastifyInstance;

  beforeAll(async () => {
    app = await build(tmp.dir, env, { checkpointer: undefined });
  });
  afterAll(async () => {
    await app.close();
    tmp.cleanup();
  });

  const post = (url: string, payload: unknown) => app.inject({ method: "POST", url, payload: payload as object });
  const sseEvents = (body: string) =>
    body
      .split("\n\n")
      .filter((f) => f.startsWith("event: "))
      .map((f) => ({ event: f.slice(7, f.indexOf("\n")), data: JSON.parse(f.slice(f.indexOf("data: ") + 6)) as Record<string, unknown> }));

  it("shows the pending approval, and resumes by JSON and by SSE, a reject reaching the model", async () => {
    for (const [i, via] of (["json", "sse", "json-reject"] as const).entries()) {
      const threadId = `http-approval-${i}`;
      const started = await post("/api/runs", { task: "What is 6 * 7?", threadId });
      expect(started.statusCode).toBe(200);
      expect(started.json()).toMatchObject({ status: "waiting_for_approval", result: null, pendingApprovals: [{ tool: "calculator", args: { expression: "6 * 7" } }] });

      const shown = await app.inject(`/api/threads/${threadId}`);
      expect(shown.json()).toMatchObject({ status: "waiting_for_approval", pendingApprovals: [{ tool: "calculator", agent: "fast_agent", allowedDecisions: ["approve", "edit", "reject"] }] });
      expect(shown.json().pendingApprovals[0].callId).toMatch(/^call_/);

      if (via === "sse") {
        const res = await post(`/api/threads/${threadId}/resume/stream`, { decision: "approve" });
        expect(res.headers["content-type"]).toContain("text/event-stream");
        const events = sseEvents(res.body);
        expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(["run_started", "tool_call", "tool_result", "final_answer", "usage", "end"]));
        expect(events.find((e) => e.event === "final_answer")!.data.answer).toContain("calculator: 42");
      } else {
        const decision = via === "json" ? { decision: "approve" } : { decision: "reject", reason: "not allowed on Fridays" };
        const res = await post(`/api/threads/${threadId}/resume`, decision);
        expect(res.statusCode).toBe(200);
        expect(res.json()).toMatchObject({ status: "completed" });
        expect(res.json().result.answer).toContain(via === "json" ? "calculator: 42" : "rejected it: not allowed on Fridays");
      }
      const after = (await app.inject(`/api/threads/${threadId}`)).json();
      expect(after).toMatchObject({ status: "idle", pendingApprovals: [] });
      expect(after.approvals).toEqual([expect.objectContaining({ tool: "calculator", decision: via === "json-reject" ? "reject" : "approve", by: expect.stringMatching(/^api:ip:/) })]);
    }
  });

  it.each([
    ["no decision", {}, 400, "decision is required"],
    ["an unknown decision", { decision: "maybe" }, 400, "decision"],
    ["args that are not an object", { decision: "edit", args: "1+1" }, 400, "args must be a JSON object"],
    ["an oversize reason", { decision: "reject", reason: "x".repeat(2_001) }, 400, "reason must be at most 2000 characters"],
    ["an unknown field", { decision: "approve", by: "mallory" }, 400, "by"],
  ])("refuses %s", async (_what, body, status, expected) => {
    const res = await post("/api/threads/some-thread/resume", body);
    expect(res.statusCode).toBe(status);
    expect(JSON.stringify(res.json())).toContain(expected);
  });

  it("answers 409 when nothing waits, and 400 for a decision the policy does not allow", async () => {
    const idle = await post("/api/runs", { task: "Hello", threadId: "http-idle" });
    expect(idle.json().status).toBe("completed");
    const res = await post("/api/threads/http-idle/resume", { decision: "approve" });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe("nothing_pending");
    const bad = await post("/api/threads/bad%0Aid/resume", { decision: "approve" });
    expect(bad.statusCode).toBe(400);
  });

  it("lists the recent threads, newest first, and refuses a bad limit naming it", async () => {
    const res = await app.inject("/api/threads?limit=3");
    expect(res.statusCode).toBe(200);
    const { threads } = res.json() as { threads: { threadId: string; title: string; updatedAt: string }[] };
    expect(threads).toHaveLength(3);
    expect(threads.every((t) => t.title.length > 0 && !Number.isNaN(Date.parse(t.updatedAt)))).toBe(true);
    expect([...threads].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))).toEqual(threads);
    for (const bad of ["limit=0", "limit=51", "limit=abc", "limit=2&x=1"]) {
      const r = await app.inject(`/api/threads?${bad}`);
      expect(r.statusCode, bad).toBe(400);
    }
  });

  it("an approval pending when the server stops is given after it restarts on the same SQLite file", async () => {
    const first = await build(tmp.dir, env, { checkpointer: undefined });
    const started = await first.inject({ method: "POST", url: "/api/runs", payload: { task: "What is 9 * 9?", threadId: "across-restart" } });
    expect(started.json().status).toBe("waiting_for_approval");
    await first.close();

    const second = await build(tmp.dir, env, { checkpointer: undefined });
    try {
      const shown = await second.inject("/api/threads/across-restart");
      expect(shown.json().pendingApprovals).toEqual([expect.objectContaining({ tool: "calculator", args: { expression: "9 * 9" } })]);
      const resumed = await second.inject({ method: "POST", url: "/api/threads/across-restart/resume", payload: { decision: "approve" } });
      expect(resumed.statusCode).toBe(200);
      expect(resumed.json().result.answer).toContain("calculator: 81");
    } finally {
      await second.close();
    }
  });
});
