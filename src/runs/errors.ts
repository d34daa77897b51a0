/** Why the run service refused a run before it started; every surface maps `code` the same way. */
import { AIGatewayAgentsError } from "../errors.js";

/** What the run service refuses a run for. */
export type RunRefusal =
  /** The thread does not exist, or belongs to another tenant (the same answer, on purpose). */
  | "thread_not_found"
  /** The caller already has RUN_CONCURRENCY_MAX runs in flight. */
  | "too_many_runs"
  /** The caller started RUN_RATE_LIMIT_MAX runs within the window. */
  | "rate_limited"
  /** The thread holds THREAD_MAX_MESSAGES messages or THREAD_MAX_BYTES bytes. */
  | "thread_full"
  /** RUN_QUEUE_MAX runs already wait for the thread. */
  | "queue_full"
  /** A pending approval was answered on a thread that waits for none. */
  | "nothing_pending";

/** The HTTP status each refusal is answered with. */
export const REFUSAL_STATUS: Record<RunRefusal, number> = {
  thread_not_found: 404,
  too_many_runs: 503,
  rate_limited: 429,
  thread_full: 409,
  queue_full: 429,
  nothing_pending: 409,
};

/** A run refused by the run service's policy; nothing was run and nothing was spent. */
export class RunRefusedError extends AIGatewayAgentsError {
  override readonly name = "RunRefusedError";
  declare readonly code: RunRefusal;
  /** The HTTP status that fits (404, 409, 429 or 503). */
  declare readonly status: number;

  constructor(
    code: RunRefusal,
    message: string,
    /** Seconds after which trying again may succeed (rate and concurrency limits). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message, { code, status: REFUSAL_STATUS[code] });
  }
}

/** The answer for a thread the caller may not see: the same as for one that does not exist. */
export const threadNotFound = (threadId: string) => new RunRefusedError("thread_not_found", `No thread ${JSON.stringify(threadId.slice(0, 128))} was found.`);
