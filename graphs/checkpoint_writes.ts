/**
 * The checkpoint writes still under way on each thread, so a thread is given back only once what
 * its run wrote has landed. A run stopped through its abort signal ends for its caller at once
 * (@langchain/core races each step of `graph.stream` against the signal), while LangGraph's loop
 * goes on in the background until the checkpoint writes it already started are saved. On SQLite
 * those writes are done before the caller hears of the stop; on PostgreSQL they take a few
 * milliseconds more, and a newer run that took the thread meanwhile read it without them: the
 * stopped run's user message, which reaches the thread's messages in the checkpoint after its
 * input, was lost that way.
 */
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import type { RunnableConfig } from "@langchain/core/runnables";

/** How long `settled` waits at most: a write that hangs must not keep a thread claimed for good. */
export const SETTLE_LIMIT_MS = 30_000;

/** One write of a thread that has landed: a checkpoint (with its metadata's `source`) or pending writes. */
export interface LandedWrite {
  kind: "checkpoint" | "writes";
  /** "" for the graph's own checkpoints; a subgraph's (an agent's) otherwise. */
  namespace: string;
  /** The checkpoint's `metadata.source` ("input", "loop", "update", ...). */
  source?: string;
}

/** The writes under way, per thread, of one checkpointer. */
export interface CheckpointWrites {
  /** Calls `listener` after each successful write of `threadId`; returns the unsubscribe. */
  onLanded(threadId: string, listener: (write: LandedWrite) => void): () => void;
  /**
   * Resolves once no checkpoint write of `threadId` is under way, including the ones LangGraph
   * chains after a write that just ended (or after `SETTLE_LIMIT_MS`). Never rejects: a failed
   * write is the run's error, not its release's.
   */
  settled(threadId: string): Promise<void>;
}

const threadOf = (config: RunnableConfig): string | undefined => {
  const id: unknown = config.configurable?.thread_id;
  return typeof id === "string" ? id : undefined;
};

/** Makes `saver` note its writes per thread (`put` and `putWrites`, on this instance) and says when a thread's have landed. */
export function trackCheckpointWrites(saver: BaseCheckpointSaver): CheckpointWrites {
  const underWay = new Map<string, Set<Promise<unknown>>>();
  const listeners = new Map<string, Set<(write: LandedWrite) => void>>();
  const track = <T>(config: RunnableConfig, write: Promise<T>, landed: Omit<LandedWrite, "namespace">): Promise<T> => {
    const threadId = threadOf(config);
    if (threadId === undefined) return write;
    const set = underWay.get(threadId) ?? new Set();
    underWay.set(threadId, set);
    const namespace = typeof config.configurable?.checkpoint_ns === "string" ? config.configurable.checkpoint_ns : "";
    const done = write.then(
      () => {
        for (const listener of [...(listeners.get(threadId) ?? [])]) listener({ ...landed, namespace });
      },
      () => undefined,
    );
    set.add(done);
    void done.then(() => {
      set.delete(done);
      if (set.size === 0 && underWay.get(threadId) === set) underWay.delete(threadId);
    });
    return write;
  };
  const put = saver.put.bind(saver);
  const putWrites = saver.putWrites.bind(saver);
  saver.put = (...args: Parameters<typeof put>) => track(args[0], put(...args), { kind: "checkpoint", source: args[2].source });
  saver.putWrites = (...args: Parameters<typeof putWrites>) => track(args[0], putWrites(...args), { kind: "writes" });
  return {
    onLanded: (threadId, listener) => {
      const set = listeners.get(threadId) ?? new Set();
      set.add(listener);
      listeners.set(threadId, set);
      return () => {
        set.delete(listener);
        if (set.size === 0 && listeners.get(threadId) === set) listeners.delete(threadId);
      };
    },
    settled: async (threadId) => {
      const deadline = Date.now() + SETTLE_LIMIT_MS;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const limit = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, SETTLE_LIMIT_MS);
        timer.unref();
      });
      try {
        while (Date.now() < deadline) {
          const pending = underWay.get(threadId);
          if (pending && pending.size > 0) {
            await Promise.race([Promise.all(pending), limit]);
            continue;
          }
          // LangGraph starts the next checkpoint of its chain a few microtasks after the previous
          // one is saved: quiet after a macrotask turn means nothing more is coming.
          await new Promise<void>((resolve) => setImmediate(resolve));
          if (!underWay.get(threadId)?.size) return;
        }
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/**
 * `stopped`, except that an `interrupt` reaches the run only once its input is in the thread, as
 * the policy promises (the stopped run keeps what it did, its user message first). A run's new
 * input becomes part of the thread's messages in the first checkpoint LangGraph writes after the
 * one that holds the input alone (`source: "input"`); a resume or a Command is kept as pending
 * writes with no input checkpoint before them. Until one of those has landed, a stop is held
 * back: stopped sooner, the run would leave at most its input checkpoint, whose input the newer
 * run's own input replaces. A `rollback` drops the run's writes anyway and passes at once.
 * Call `dispose` when the run is over.
 */
export function stopOnceInputKept(stopped: AbortSignal, writes: CheckpointWrites, threadId: string): { signal: AbortSignal; dispose: () => void } {
  const stop = new AbortController();
  let inputWritten = false;
  let kept = false;
  const pass = () => {
    if (stopped.aborted && !stop.signal.aborted && (kept || stopped.reason !== "interrupt")) stop.abort(stopped.reason);
  };
  const stopListening = writes.onLanded(threadId, (write) => {
    if (kept || write.namespace !== "") return;
    if (write.kind === "checkpoint" && write.source === "input") inputWritten = true;
    else if (write.kind === "checkpoint" ? write.source !== "input" : !inputWritten) kept = true;
    if (!kept) return;
    stopListening();
    pass();
  });
  stopped.addEventListener("abort", pass, { once: true });
  const dispose = () => {
    stopListening();
    stopped.removeEventListener("abort", pass);
  };
  pass();
  return { signal: stop.signal, dispose };
}
