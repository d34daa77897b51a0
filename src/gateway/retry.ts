/** Backoff and Retry-After arithmetic for the client's single retry layer. */
import { firstHeader } from "./response_meta.js";

/** Retry settings. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** First backoff delay in ms; doubles per retry. */
  baseDelayMs: number;
  /** Cap on any wait, including a server hint. */
  maxDelayMs: number;
}

/** Statuses worth another attempt: timeouts, rate limits and transient server errors. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/**
 * Delay before retry number `attempt` (0-based): exponential with "equal jitter", so
 * concurrent clients spread out but never retry instantly in a tight loop.
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}


/**
 * The server's requested wait in ms from `retry-after-ms`, or `Retry-After` as seconds or an
 * HTTP date; undefined when absent or unparseable.
 */
export function parseRetryAfter(headers: Record<string, string | string[] | undefined>, now: number = Date.now()): number | undefined {
  const ms = firstHeader(headers["retry-after-ms"]);
  if (ms !== undefined) {
    const n = Number(ms);
    if (Number.isFinite(n) && n >= 0) return n;
  }
  const ra = firstHeader(headers["retry-after"]);
  if (ra === undefined) return undefined;
  const seconds = Number(ra);
  if (ra.trim() !== "" && Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(ra);
  if (!Number.isNaN(date)) return Math.max(0, date - now);
  return undefined;
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 && !signal) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
