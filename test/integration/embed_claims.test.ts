/**
 * `streamSteps` with `claims` (the embed API's double-texting): a second run on a held thread
 * throws `ThreadBusyError` with `reject`, waits its turn with `enqueue`, and another saver on
 * the same SQLite file (as another process) sees the claim too. The claim is given back after a
 * failed run, and giving it back prunes the thread. `interrupt` stops the holder (it throws
 * `RunSupersededError` and keeps its steps), `rollback` stops it and drops what it wrote; both on
 * a thread's first, second and third runs, and across two savers on one file. The model answers
 * after 200 ms, so runs overlap.
 */
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { OrchestratorInputError, RunSupersededError, ThreadBusyError } from "../../graphs/orchestrator/errors.js";
import { createOrchestrator } from "../../graphs/orchestrator/graph.js";
import { streamSteps, type StreamStepsOptions } from "../../src/runs/index.js";
import { createCheckpointer, type CheckpointerHandle } from "../../graphs/persistence.js";
import { processClaims } from "../../graphs/thread_claims.js";
import { silentLogger } from "../helpers/gateway.js";
import { emulatorForFile, ofType } from "../helpers/orchestrator.js";
import { tempDir } from "./server_helpers.js";

const file = emulatorForFile({ latency: { ttftMs: 200 } });
const tmp = tempDir();
const handles: CheckpointerHandle[] = [];
afterAll(async () => {
  for (const h of handles) await h.close();
  tmp.cleanup();
});

async function setup(name: string) {
  const handle = await createCheckpointer({ sqlitePath: join(tmp.dir, `${name}.sqlite`) });
  handles.push(handle);
  const graph = createOrchestrator({ ...(await file.runtimeWith({})), checkpointer: handle.checkpointer, logger: silentLogger });
  return { handle, graph };
}

async function run(task: string, options: StreamStepsOptions, delayMs = 0) {
  await new Promise((r) => setTimeout(r, delayMs));
  const events = [];
  for await (const e of streamSteps({ messages: [{ role: "user", content: task }], tier: "fast" }, options)) events.push(e);
  return events;
}

/** The thread's human messages with their unanswered mark. */
const humanTurns = async (graph: ReturnType<typeof createOrchestrator>, threadId: string) =>
  ((await graph.getState({ configurable: { thread_id: threadId } })).values as { messages: { getType(): string; text: string; additional_kwargs?: { unanswered?: boolean } }[] }).messages
    .filter((m) => m.getType() === "human")
    .map((m) => `${m.text}${m.additional_kwargs?.unanswered ? " (unanswered)" : ""}`);

const userTurns = async (graph: ReturnType<typeof createOrchestrator>, threadId: string) =>
  ((await graph.getState({ configurable: { thread_id: threadId } })).values as { messages: { getType(): string; text: string }[] }).messages.filter((m) => m.getType() === "human").map((m) => m.text);

describe("streamSteps with claims", () => {
  it("reject: a second run on a held thread throws ThreadBusyError and runs nothing", async () => {
    const { handle, graph } = await setup("reject");
    const options = { graph, threadId: "t-reject", claims: handle.claims };
    const [first, second] = await Promise.allSettled([run("Say hello one", options), run("Say hello two", options, 50)]);
    expect(first.status).toBe("fulfilled");
    expect(second.status).toBe("rejected");
    expect((second as PromiseRejectedResult).reason).toBeInstanceOf(ThreadBusyError);
    expect(String((second as PromiseRejectedResult).reason.message)).toContain('multitaskStrategy: "enqueue"');
    expect(await userTurns(graph, "t-reject")).toEqual(["Say hello one"]);
    // Giving the claim back pruned the agent's finished checkpoints.
    expect((await handle.retention.stats("t-reject")).pruned).toBeGreaterThan(0);
  });

  it("enqueue: runs sent at once all complete, one after another, on the first, second and third turns", async () => {
    const { handle, graph } = await setup("enqueue");
    const options = { graph, threadId: "t-enqueue", claims: handle.claims, multitaskStrategy: "enqueue" as const };
    const results = await Promise.all([run("Say hello one", options), run("Say hello two", options, 30), run("Say hello three", options, 60)]);
    for (const events of results) expect(ofType(events, "final_answer")).toHaveLength(1);
    expect(await userTurns(graph, "t-enqueue")).toEqual(["Say hello one", "Say hello two", "Say hello three"]);
  });

  it("another saver on the same file sees the claim; enqueue gives up after queueTimeoutMs", async () => {
    const { handle, graph } = await setup("shared");
    const other = await createCheckpointer({ sqlitePath: join(tmp.dir, "shared.sqlite") });
    handles.push(other);
    const otherGraph = createOrchestrator({ ...(await file.runtimeWith({})), checkpointer: other.checkpointer, logger: silentLogger });
    const held = run("Say hello one", { graph, threadId: "t-shared", claims: handle.claims });
    await new Promise((r) => setTimeout(r, 50));
    await expect(run("Say hello two", { graph: otherGraph, threadId: "t-shared", claims: other.claims })).rejects.toBeInstanceOf(ThreadBusyError);
    await expect(run("Say hello three", { graph: otherGraph, threadId: "t-shared", claims: other.claims, multitaskStrategy: "enqueue", queueTimeoutMs: 20 })).rejects.toThrow(/Waited 20 ms/);
    await held;
    expect(ofType(await run("Say hello four", { graph: otherGraph, threadId: "t-shared", claims: other.claims }), "final_answer")).toHaveLength(1);
    expect(await userTurns(graph, "t-shared")).toEqual(["Say hello one", "Say hello four"]);
  });

  it("gives the thread back after a failed run, and refuses an unknown strategy", async () => {
    const { handle, graph } = await setup("failed");
    const options = { graph, threadId: "t-failed", claims: handle.claims };
    await expect(run("What is 2 + 2?", { ...options, agent: "nobody" })).rejects.toThrow();
    expect(ofType(await run("Say hello again", options), "final_answer")).toHaveLength(1);
    await expect(run("Say hello", { ...options, multitaskStrategy: "sideways" as never })).rejects.toBeInstanceOf(OrchestratorInputError);
  });

  it("interrupt: the newer run stops the holder, which keeps its steps; on the second and third runs too", async () => {
    const { handle, graph } = await setup("interrupt");
    const options = { graph, threadId: "t-interrupt", claims: handle.claims };
    expect(ofType(await run("Say hello one", options), "final_answer")).toHaveLength(1);
    // Runs two and three: each is stopped by the next, which answers.
    const [two, three] = await Promise.allSettled([run("Say hello two", options), run("Say hello three", { ...options, multitaskStrategy: "interrupt" }, 60)]);
    expect(two.status).toBe("rejected");
    expect((two as PromiseRejectedResult).reason).toBeInstanceOf(RunSupersededError);
    expect((two as PromiseRejectedResult).reason.mode).toBe("interrupt");
    expect(three.status).toBe("fulfilled");
    expect(ofType((three as PromiseFulfilledResult<unknown[]>).value as never, "final_answer")).toHaveLength(1);
    // The stopped run's user message is kept once, marked; nothing is duplicated.
    expect(await humanTurns(graph, "t-interrupt")).toEqual(["Say hello one", "Say hello two (unanswered)", "Say hello three"]);
    // An interrupt with nothing running just runs.
    expect(ofType(await run("Say hello four", { ...options, multitaskStrategy: "interrupt" }), "final_answer")).toHaveLength(1);
    expect(await userTurns(graph, "t-interrupt")).toEqual(["Say hello one", "Say hello two", "Say hello three", "Say hello four"]);
  });

  it("rollback: the stopped run's steps are dropped, on a fresh thread and on its second and third runs", async () => {
    const { handle, graph } = await setup("rollback");
    const options = { graph, threadId: "t-rollback", claims: handle.claims };
    // On a fresh thread the stopped run leaves nothing behind.
    const [first, second] = await Promise.allSettled([run("Say hello one", options), run("Say hello two", { ...options, multitaskStrategy: "rollback" }, 60)]);
    expect((first as PromiseRejectedResult).reason).toBeInstanceOf(RunSupersededError);
    expect((first as PromiseRejectedResult).reason.mode).toBe("rollback");
    expect(second.status).toBe("fulfilled");
    expect(await humanTurns(graph, "t-rollback")).toEqual(["Say hello two"]);
    const answers = async () =>
      ((await graph.getState({ configurable: { thread_id: "t-rollback" } })).values as { messages: { getType(): string }[] }).messages.filter((m) => m.getType() === "ai").length;
    expect(await answers()).toBe(1);
    // Later runs: the stopped one goes, what came before it stays.
    const [third, fourth] = await Promise.allSettled([run("Say hello three", options), run("Say hello four", { ...options, multitaskStrategy: "rollback" }, 60)]);
    expect((third as PromiseRejectedResult).reason).toBeInstanceOf(RunSupersededError);
    expect(fourth.status).toBe("fulfilled");
    expect(await humanTurns(graph, "t-rollback")).toEqual(["Say hello two", "Say hello four"]);
    expect(await answers()).toBe(2);
    expect(ofType(await run("Say hello five", options), "final_answer")).toHaveLength(1);
    expect(await humanTurns(graph, "t-rollback")).toEqual(["Say hello two", "Say hello four", "Say hello five"]);
  });

  it("rollback that reaches a run after its last event keeps that run: it answered, and the newer run goes on from it", async () => {
    const { handle, graph } = await setup("rollback-late");
    const threadId = "t-rollback-late";
    const options = { graph, threadId, claims: handle.claims };
    expect(ofType(await run("Say hello one", options), "final_answer")).toHaveLength(1);
    // Run two has streamed all it has (its usage event) but not yet given the thread back when
    // run three asks for a rollback; the stop request is seen (SQLite is polled) before it ends.
    let newer: Promise<unknown[]> | undefined;
    const events = [];
    for await (const e of streamSteps({ messages: [{ role: "user", content: "Say hello two" }], tier: "fast" }, options)) {
      events.push(e);
      if (e.type === "usage" && !newer) {
        newer = run("Say hello three", { ...options, multitaskStrategy: "rollback" });
        await new Promise((r) => setTimeout(r, 400));
      }
    }
    expect(ofType(events, "final_answer")).toHaveLength(1);
    expect(await newer).toEqual(expect.arrayContaining([expect.objectContaining({ type: "final_answer" })]));
    expect(await humanTurns(graph, threadId)).toEqual(["Say hello one", "Say hello two", "Say hello three"]);
  });

  it("interrupt and rollback reach a holder using another saver on the same file (as another process)", async () => {
    const { handle, graph } = await setup("stop-shared");
    const other = await createCheckpointer({ sqlitePath: join(tmp.dir, "stop-shared.sqlite") });
    handles.push(other);
    const otherGraph = createOrchestrator({ ...(await file.runtimeWith({})), checkpointer: other.checkpointer, logger: silentLogger });
    const mine = { graph, threadId: "t-stop-shared", claims: handle.claims };
    const theirs = { graph: otherGraph, threadId: "t-stop-shared", claims: other.claims };
    expect(ofType(await run("Say hello one", mine), "final_answer")).toHaveLength(1);
    const [a, b] = await Promise.allSettled([run("Say hello two", mine), run("Say hello three", { ...theirs, multitaskStrategy: "rollback" }, 60)]);
    expect((a as PromiseRejectedResult).reason).toBeInstanceOf(RunSupersededError);
    expect(b.status).toBe("fulfilled");
    const [c, d] = await Promise.allSettled([run("Say hello four", theirs), run("Say hello five", { ...mine, multitaskStrategy: "interrupt" }, 60)]);
    expect((c as PromiseRejectedResult).reason).toBeInstanceOf(RunSupersededError);
    expect(d.status).toBe("fulfilled");
    expect(await humanTurns(graph, "t-stop-shared")).toEqual(["Say hello one", "Say hello three", "Say hello four (unanswered)", "Say hello five"]);
  });

  it("rollback is refused with claims that cannot drop steps; a stop that never comes times out", async () => {
    const { graph } = await setup("stop-refused");
    const claims = processClaims();
    await expect(run("Say hello", { graph, threadId: "t-refused", claims, multitaskStrategy: "rollback" })).rejects.toThrow(/rollback needs the claims of a checkpoint store/);
    // A holder that ignores its stop request: the interrupting run gives up after queueTimeoutMs and runs nothing.
    const stuck = await claims.tryClaim("t-stuck");
    await expect(run("Say hello", { graph, threadId: "t-stuck", claims, multitaskStrategy: "interrupt", queueTimeoutMs: 100 })).rejects.toThrow(/did not stop within 100 ms; nothing was run/);
    expect(stuck?.stopped.aborted).toBe(true);
    expect(stuck?.stopped.reason).toBe("interrupt");
    await stuck?.release();
    expect(await userTurns(graph, "t-stuck").catch(() => [])).toEqual([]);
  });
});
