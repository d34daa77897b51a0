/**
 * What the store's claims learn from a checkpointer's writes: when a thread's writes have landed
 * (including one chained right after another), and when an `interrupt` may reach a run (once its
 * input is in the thread's messages); a `rollback` passes at once.
 */
import { MemorySaver, type BaseCheckpointSaver } from "@langchain/langgraph";
import type { RunnableConfig } from "@langchain/core/runnables";
import { describe, expect, it } from "vitest";
import { stopOnceInputKept, trackCheckpointWrites } from "../../graphs/checkpoint_writes.js";

/** A saver whose writes land when the test says. */
function heldSaver() {
  const saver: BaseCheckpointSaver = new MemorySaver();
  const pending: (() => void)[] = [];
  const hold = () => new Promise<void>((resolve) => pending.push(resolve));
  saver.put = async (config: RunnableConfig) => {
    await hold();
    return config;
  };
  saver.putWrites = async () => hold();
  const writes = trackCheckpointWrites(saver);
  return { saver, writes, land: () => pending.shift()?.() };
}

const config = (ns = ""): RunnableConfig => ({ configurable: { thread_id: "t", checkpoint_ns: ns } });
const checkpoint = { v: 4, id: "1", ts: "", channel_values: {}, channel_versions: {}, versions_seen: {} };
const meta = (source: "input" | "loop") => ({ source, step: source === "input" ? -1 : 0, parents: {} });
const flush = () => new Promise((r) => setImmediate(r));

describe("trackCheckpointWrites", () => {
  it("settles a thread once its writes have landed, a write chained after the last one included", async () => {
    const { saver, writes, land } = heldSaver();
    let settled = false;
    const first = saver.put(config(), checkpoint, meta("input"), {});
    // The next checkpoint starts when the first is saved, as LangGraph chains them.
    void first.then(() => saver.put(config(), checkpoint, meta("loop"), {}));
    void writes.settled("t").then(() => (settled = true));
    land();
    await flush();
    await flush();
    expect(settled).toBe(false);
    land();
    await flush();
    await flush();
    expect(settled).toBe(true);
    // Another thread's writes are not waited for.
    void saver.put({ configurable: { thread_id: "other" } }, checkpoint, meta("loop"), {});
    await writes.settled("t");
  });
});

describe("stopOnceInputKept", () => {
  it("holds an interrupt back until the checkpoint after the input one has landed", async () => {
    const { saver, writes, land } = heldSaver();
    const stop = new AbortController();
    const { signal } = stopOnceInputKept(stop.signal, writes, "t");
    stop.abort("interrupt");
    expect(signal.aborted).toBe(false);
    void saver.put(config(), checkpoint, meta("input"), {});
    land();
    await flush();
    // The input task's writes and a subgraph's checkpoint are not the input in the messages.
    void saver.putWrites(config(), [], "start");
    void saver.put(config("agent:1"), checkpoint, meta("loop"), {});
    land();
    land();
    await flush();
    expect(signal.aborted).toBe(false);
    void saver.put(config(), checkpoint, meta("loop"), {});
    land();
    await flush();
    expect(signal.reason).toBe("interrupt");
  });

  it("passes an interrupt at once when the input is already kept, a resume's writes counting; a rollback always", async () => {
    const { saver, writes, land } = heldSaver();
    const resumed = new AbortController();
    const resume = stopOnceInputKept(resumed.signal, writes, "t");
    void saver.putWrites(config(), [], "00000000-0000-0000-0000-000000000000");
    land();
    await flush();
    resumed.abort("interrupt");
    expect(resume.signal.reason).toBe("interrupt");

    const rolled = new AbortController();
    const rollback = stopOnceInputKept(rolled.signal, writes, "t");
    rolled.abort("rollback");
    expect(rollback.signal.reason).toBe("rollback");
  });
});
