/**
 * One run per thread at a time, in this process and in every other on the same store, with the
 * four multitask strategies: `reject` refuses a busy thread, `enqueue` waits its turn (first come
 * first served within this process, bounded in number and time), `interrupt` and `rollback` ask
 * the holder to stop (keeping or dropping its steps) and then run.
 */
import { MULTITASK_STRATEGIES, type MultitaskStrategy } from "../config/index.js";
import { OrchestratorInputError, ThreadBusyError } from "../../graphs/orchestrator/errors.js";
import { stoppingAttempt, waitForClaim, type ThreadClaim, type ThreadClaims } from "../../graphs/thread_claims.js";
import { RunRefusedError } from "./errors.js";

/** Default wait for a busy thread (RUN_QUEUE_TIMEOUT_MS). */
export const DEFAULT_QUEUE_TIMEOUT_MS = 120_000;

/** Claims threads for runs over one store's claims. */
export class ThreadGate {
  /** Threads a run of this process holds or is taking: checked before the store's claim. */
  private readonly busy = new Set<string>();
  /** Runs of this process waiting for a thread (`enqueue`), in arrival order. */
  private readonly queues = new Map<string, symbol[]>();

  constructor(
    readonly claims: ThreadClaims,
    private readonly queue: { max?: number; timeoutMs?: number } = {},
  ) {}

  /**
   * The claim on `threadId` that `strategy` gets, waiting as it says until `signal` gives up.
   * Throws ThreadBusyError (409 on the server) when the thread stays busy, RunRefusedError
   * (queue_full) when too many runs wait for it, OrchestratorInputError for a bad strategy.
   */
  async take(threadId: string, strategy: MultitaskStrategy, signal: AbortSignal): Promise<ThreadClaim> {
    if (!MULTITASK_STRATEGIES.includes(strategy)) throw new OrchestratorInputError(`multitaskStrategy must be one of ${MULTITASK_STRATEGIES.join(", ")}, not ${JSON.stringify(strategy)}.`);
    if (strategy === "rollback" && !this.claims.canRollback) {
      throw new OrchestratorInputError("multitaskStrategy rollback needs the claims of a checkpoint store (createCheckpointer().claims): the SQLite or PostgreSQL checkpoint store can drop a stopped run's steps; a checkpointer passed in code cannot.");
    }
    const timeoutMs = this.queue.timeoutMs ?? DEFAULT_QUEUE_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    const wake = (listener: () => void) => this.claims.onRelease(threadId, listener);
    let held: ThreadClaim | "aborted" | "timeout" | undefined;
    if (strategy === "reject") held = (await this.attempt(threadId)) ?? "timeout";
    else if (strategy === "enqueue") held = await this.waitTurn(threadId, deadline, signal);
    else held = await waitForClaim(stoppingAttempt(() => this.attempt(threadId), this.claims, threadId, strategy), { deadline, signal, wake });
    if (held === "aborted") throw new ThreadBusyError(`Stopped waiting for thread ${threadId}: the run was cancelled.`);
    if (held === "timeout" && strategy === "reject") throw new ThreadBusyError(`A run is already in progress on thread ${threadId}; wait for it to finish, or send multitaskStrategy: "enqueue" to wait your turn.`);
    if (held === "timeout" && strategy === "enqueue") throw new ThreadBusyError(`Waited ${timeoutMs} ms (RUN_QUEUE_TIMEOUT_MS) for the runs ahead on thread ${threadId}; nothing was run.`);
    if (held === "timeout") throw new ThreadBusyError(`The run on thread ${threadId} did not stop within ${timeoutMs} ms; nothing was run (RUN_QUEUE_TIMEOUT_MS sets the wait).`);
    const claim = held;
    let released = false;
    return {
      stopped: claim.stopped,
      commit: () => claim.commit(),
      release: async () => {
        if (released) return;
        released = true;
        this.busy.delete(threadId);
        await claim.release();
      },
    };
  }

  /** One try at the thread: this process's runs first, then the store's claim (every process's). */
  private async attempt(threadId: string): Promise<ThreadClaim | undefined> {
    if (this.busy.has(threadId)) return undefined;
    this.busy.add(threadId);
    try {
      const held = await this.claims.tryClaim(threadId);
      if (!held) this.busy.delete(threadId);
      return held;
    } catch (err) {
      this.busy.delete(threadId);
      throw err;
    }
  }

  /** Waits for the thread in arrival order; only the first in this process's queue tries. */
  private async waitTurn(threadId: string, deadline: number, signal: AbortSignal): Promise<ThreadClaim | "aborted" | "timeout"> {
    const queue = this.queues.get(threadId) ?? [];
    const max = this.queue.max;
    if (max !== undefined && queue.length >= max) throw new RunRefusedError("queue_full", `${queue.length} runs already wait for this thread (RUN_QUEUE_MAX=${max}); try again later.`, 1);
    const ticket = Symbol(threadId);
    queue.push(ticket);
    this.queues.set(threadId, queue);
    try {
      return await waitForClaim(async () => (queue[0] === ticket ? this.attempt(threadId) : undefined), { deadline, signal, wake: (listener) => this.claims.onRelease(threadId, listener) });
    } finally {
      queue.splice(queue.indexOf(ticket), 1);
      if (queue.length === 0) this.queues.delete(threadId);
    }
  }
}
