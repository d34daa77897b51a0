/** Helpers of the reliability tests: a continuous load with a timeline, and log-event capture. */
import { Writable } from "node:stream";
import { createLogger, type Logger } from "../../src/logging/index.js";
import type { CallOutcome, Workload } from "./workload.js";

/**
 * Keeps `concurrency` calls of the workload in flight until stopped, recording every outcome
 * with its start time, so a test can split the calls by what happened while they ran.
 */
export class ContinuousLoad {
  readonly outcomes: CallOutcome[] = [];
  private next = 0;
  private stopped = false;
  private readonly workers: Promise<void>[];

  constructor(workload: Workload, concurrency: number) {
    this.workers = Array.from({ length: concurrency }, async () => {
      while (!this.stopped) this.outcomes.push(await workload.run(this.next++));
    });
  }

  /** Resolves once at least `calls` calls finished after `since` (a performance.now() time) and `minMs` passed since it. */
  async waitFor(since: number, calls: number, minMs: number, timeoutMs = 20_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      const done = this.outcomes.filter((o) => o.startedAt >= since).length;
      if (done >= calls && performance.now() - since >= minMs) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`the load did not finish ${calls} calls within ${timeoutMs} ms`);
  }

  /** Stops starting calls and waits for the ones in flight. */
  async stop(): Promise<CallOutcome[]> {
    this.stopped = true;
    await Promise.all(this.workers);
    return this.outcomes;
  }
}

/** A JSON logger keeping only lines that carry an `event` field, parsed. */
export function captureEvents(level = "info"): { logger: Logger; events: (name: string) => Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split("\n")) if (line.includes('"event":')) lines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: createLogger({ level, format: "json", destination }), events: (name) => lines.filter((l) => l.event === name) };
}

/** Counts unhandled promise rejections until `stop()` is called. */
export function watchUnhandledRejections(): { count: () => number; stop: () => void } {
  let n = 0;
  const on = () => {
    n++;
  };
  process.on("unhandledRejection", on);
  return { count: () => n, stop: () => process.off("unhandledRejection", on) };
}
