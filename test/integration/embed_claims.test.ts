/**
 * `streamSteps` with `claims` (the embed API's double-texting): a second run on a held thread
 * throws `ThreadBusyError` with `reject`, waits its turn with `enqueue`, and another saver on
 * the same SQLite file (as another process) sees the claim too. The claim is given back after a
 * failed run, and giving it back prunes the thread. The model answers after 200 ms, so runs overlap.
 */
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { OrchestratorInputError, ThreadBusyError } from "../../graphs/orchestrator/errors.js";
import { createOrchestrator } from "../../graphs/orchestrator/graph.js";
import { streamSteps, type StreamStepsOptions } from "../../graphs/orchestrator/stream.js";
import { createCheckpointer, type CheckpointerHandle } from "../../graphs/persistence.js";
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
  const graph = createOrchestrator({ registry: await file.registryWith({}), checkpointer: handle.checkpointer, logger: silentLogger });
  return { handle, graph };
}

async function run(task: string, options: StreamStepsOptions, delayMs = 0) {
  await new Promise((r) => setTimeout(r, delayMs));
  const events = [];
  for await (const e of streamSteps({ messages: [{ role: "user", content: task }], tier: "fast" }, options)) events.push(e);
  return events;
}

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
    const otherGraph = createOrchestrator({ registry: await file.registryWith({}), checkpointer: other.checkpointer, logger: silentLogger });
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
    await expect(run("Say hello", { ...options, multitaskStrategy: "interrupt" as never })).rejects.toBeInstanceOf(OrchestratorInputError);
  });
});
