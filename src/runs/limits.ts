/**
 * Per-caller run limits, counted per run whatever surface it came in by (an MCP POST with 30
 * `tools/call`s is 30 runs): runs in flight at once, and runs started per window. Counted in
 * this process; each instance of a scaled-out deployment applies them to what it serves.
 */
import type { AppConfig } from "../config/index.js";
import { RunRefusedError } from "./errors.js";

/** The limits a run service applies; a missing limit is not applied. */
export interface RunLimits {
  /** Runs one caller may have in flight at once, waiting ones included (RUN_CONCURRENCY_MAX). */
  concurrency?: number;
  /** Runs one caller may start per window (RUN_RATE_LIMIT_MAX per RUN_RATE_LIMIT_WINDOW_MS). */
  rate?: { max: number; windowMs: number };
  /** Most messages and bytes of message text a thread may hold before a run is refused. */
  thread?: { maxMessages: number; maxBytes: number };
  /** Most runs this process holds waiting for one thread, and how long each waits (ms). */
  queue?: { max?: number; timeoutMs?: number };
}

/** Admits runs per caller; `admit` returns the function that ends the run's slot. */
export class CallerGate {
  private readonly inFlight = new Map<string, number>();
  /** Start times of the runs in the current window, per caller, oldest first. */
  private readonly started = new Map<string, number[]>();

  constructor(private readonly limits: Pick<RunLimits, "concurrency" | "rate">) {}

  /** Counts a new run of `caller`, or throws RunRefusedError (rate_limited, too_many_runs). */
  admit(caller: string, now = Date.now()): () => void {
    const { concurrency, rate } = this.limits;
    const active = this.inFlight.get(caller) ?? 0;
    if (concurrency !== undefined && active >= concurrency) {
      throw new RunRefusedError("too_many_runs", `This client already has ${active} runs in progress (RUN_CONCURRENCY_MAX=${concurrency}); retry when one has finished.`, 1);
    }
    if (rate) {
      const times = (this.started.get(caller) ?? []).filter((t) => t > now - rate.windowMs);
      if (times.length >= rate.max) {
        this.started.set(caller, times);
        const retryAfter = Math.max(1, Math.ceil((times[0]! + rate.windowMs - now) / 1000));
        throw new RunRefusedError("rate_limited", `This client started ${times.length} runs in the last ${rate.windowMs / 1000} s (RUN_RATE_LIMIT_MAX=${rate.max}); try again in ${retryAfter} s.`, retryAfter);
      }
      times.push(now);
      this.started.set(caller, times);
      // Callers that stopped sending leave nothing behind once their window has passed.
      this.sweep(now, rate.windowMs);
    }
    this.inFlight.set(caller, active + 1);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const left = (this.inFlight.get(caller) ?? 1) - 1;
      if (left > 0) this.inFlight.set(caller, left);
      else this.inFlight.delete(caller);
    };
  }

  private lastSweep = 0;

  private sweep(now: number, windowMs: number): void {
    if (now - this.lastSweep < windowMs) return;
    this.lastSweep = now;
    for (const [caller, times] of this.started) if ((times.at(-1) ?? 0) <= now - windowMs) this.started.delete(caller);
  }
}

/** The run limits the configuration sets (RUN_*, THREAD_MAX_*), the same for every surface. */
export function runLimitsOf(config: Pick<AppConfig, "server">): RunLimits {
  const { runLimits, threadLimits, multitask } = config.server;
  return {
    concurrency: runLimits.concurrency,
    rate: { max: runLimits.max, windowMs: runLimits.windowMs },
    thread: threadLimits,
    queue: { max: multitask.queueMax, timeoutMs: multitask.queueTimeoutMs },
  };
}
