/**
 * The project's one retry loop. Every gateway call, streaming or not, runs its attempts here and
 * nowhere else, so no layer above (LangChain's caller, the fallback engine) multiplies them.
 *
 * 408/429/500/502/503/504, connection failures and timeouts get up to `maxRetries` more attempts
 * with exponential backoff and jitter; a server's Retry-After or retry-after-ms is honoured up to
 * `maxDelayMs`, and a longer hint is surfaced at once rather than slept on. A 401 drops the token
 * it answered, and the call gets one more attempt with a fresh one. An attempt is whatever the
 * caller passes: for a stream it ends once the first chunk is in hand, so a stream that fails
 * later (part of the answer already delivered) is never retried here.
 */
import type { Logger } from "../logging/logger.js";
import { AIGatewayAbortError, AIGatewayAuthError, AIGatewayError } from "./errors.js";
import { isAbortError, toGatewayError } from "./network_errors.js";
import { backoffDelay, sleep, type RetryPolicy } from "./retry.js";
import type { TokenProvider } from "./token_source.js";

/** Errors from a layer that retried on its own (the token source); never retried again. */
const alreadyRetried = new WeakSet<AIGatewayError>();

/** Which token an HTTP-status error was answered to, for the 401 refresh. Kept off the error so it is never serialised. */
const tokenUsedBy = new WeakMap<AIGatewayError, string>();

/** Marks `err` as already retried by its own layer, so the loop raises it as it is. */
export function markAlreadyRetried(err: unknown): void {
  if (err instanceof AIGatewayError) alreadyRetried.add(err);
}

/** Records the token `err` (a status error) was answered to, so a 401 can drop exactly that token. */
export function markTokenUsed(err: AIGatewayError, token: string): void {
  tokenUsedBy.set(err, token);
}

/** What one logical call tells the loop. */
export interface RetryCall {
  signal?: AbortSignal;
  /** Overrides the policy's `maxRetries` for this call. */
  maxRetries?: number;
}

/** Per-call bookkeeping. */
interface RetryState {
  attempt: number;
  refreshed401: boolean;
  maxRetries: number;
}

/** Runs a call's attempts under one retry policy. */
export class RetryLoop {
  constructor(
    private readonly policy: RetryPolicy,
    private readonly tokens: TokenProvider,
    private readonly host: string,
    private readonly logger: Logger,
  ) {}

  /** Calls `attempt` until it returns, or raises its last failure as a typed error. */
  async run<T>(attempt: () => Promise<T>, call: RetryCall): Promise<T> {
    const state: RetryState = { attempt: 0, refreshed401: false, maxRetries: call.maxRetries ?? this.policy.maxRetries };
    for (;;) {
      // An aborted call sends nothing more.
      if (call.signal?.aborted) throw new AIGatewayAbortError();
      try {
        return await attempt();
      } catch (err) {
        await this.beforeRetry(err, state, call.signal);
      }
    }
  }

  /** Waits the backoff and returns when `err` deserves another attempt; otherwise throws it typed. */
  private async beforeRetry(err: unknown, state: RetryState, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted || isAbortError(err, signal)) throw new AIGatewayAbortError();
    const e = err instanceof AIGatewayError ? err : toGatewayError(err, this.host, "the AI gateway", signal);
    const usedToken = tokenUsedBy.get(e);
    if (e instanceof AIGatewayAuthError && e.status === 401 && !state.refreshed401 && usedToken !== undefined) {
      // One refresh-and-retry per call: a second 401 means the credentials, not the token, are wrong.
      state.refreshed401 = true;
      this.logger.info({ requestId: e.requestId }, "AI gateway rejected the access token; fetching a new one and retrying once");
      this.tokens.invalidate(usedToken);
      return;
    }
    if (!e.retryable || alreadyRetried.has(e) || state.attempt >= state.maxRetries) throw e;
    let delay = backoffDelay(state.attempt, this.policy);
    if (e.retryAfterMs !== undefined) {
      if (e.retryAfterMs > this.policy.maxDelayMs) throw e;
      delay = Math.max(e.retryAfterMs, 0);
    }
    state.attempt++;
    this.logger.warn(
      { attempt: state.attempt, maxRetries: state.maxRetries, delayMs: delay, code: e.code, status: e.status, requestId: e.requestId },
      `Retrying AI gateway request after ${e.name}`,
    );
    try {
      await sleep(delay, signal);
    } catch {
      throw new AIGatewayAbortError();
    }
  }
}
