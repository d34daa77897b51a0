/**
 * A gateway that accepts connections and never answers (a half-up VPN or proxy). With another
 * provider to take the call, a gateway that has sent nothing for AI_GATEWAY_FIRST_BYTE_TIMEOUT_MS
 * is stalled, and the call goes on at once instead of being retried against it. A stream is cut
 * at that budget; a non-streaming call's headers only come with its whole answer, so it keeps its
 * headers timeout, and once that (at least the budget) runs out it is not retried either.
 * Without a fallback nothing is cut early (a slow model may take long to start), but a headers
 * timeout at least as long as the budget is a stall all the same and is not retried: each retry
 * would wait the whole timeout again on a host that answers nothing. Shorter headers timeouts
 * are blips and are retried as ever.
 */
import { AIGatewayTimeoutError } from "./errors.js";
import { toGatewayError } from "./network_errors.js";

/** The first-byte deadline of one attempt. */
export interface FirstByteGuard {
  /** The signal for the request: the caller's, plus the stall timer's when there is one. */
  readonly signal: AbortSignal | undefined;
  /** The error to raise for `err` thrown by the request: a stall (never retried), or the usual typed error. */
  failure(err: unknown): Error;
  /** Stops the timer once the headers arrived (or the request failed). */
  clear(): void;
}

/** What a guard needs to know about the attempt. */
export interface FirstByteSettings {
  /** Another provider can take the call. */
  hasFallback?: boolean;
  /** The caller's signal. */
  signal?: AbortSignal;
  stream: boolean;
  /** This attempt's headers timeout. */
  headersTimeoutMs: number;
  /** AI_GATEWAY_FIRST_BYTE_TIMEOUT_MS. */
  firstByteMs: number;
  /** Host, for messages. */
  host: string;
}

/** The guard of one attempt. Its timer is a native one: undici's header timer ticks in half-seconds, too coarse for a short budget. */
export function firstByteGuard(s: FirstByteSettings): FirstByteGuard {
  const stall = s.hasFallback && s.stream && s.firstByteMs < s.headersTimeoutMs ? new AbortController() : undefined;
  const timer = stall && setTimeout(() => stall.abort(), s.firstByteMs);
  return {
    signal: stall ? (s.signal ? AbortSignal.any([s.signal, stall.signal]) : stall.signal) : s.signal,
    failure(err: unknown): Error {
      if (stall?.signal.aborted && !s.signal?.aborted) return stalledGatewayError(s.host, s.firstByteMs, "AI_GATEWAY_FIRST_BYTE_TIMEOUT_MS", err);
      return attemptFailure(err, s);
    },
    clear(): void {
      clearTimeout(timer);
    },
  };
}

/**
 * The typed error of a failed attempt's request (`err` as undici threw it): a headers timeout
 * that lasted at least the first-byte budget is a stall, raised unretried; anything else is the
 * usual typed error. Used without a guard too, so a call with no fallback pays for it only on failure.
 */
export function attemptFailure(err: unknown, s: Omit<FirstByteSettings, "stream">): Error {
  const e = toGatewayError(err, s.host, "the AI gateway", s.signal);
  if (!(e instanceof AIGatewayTimeoutError) || e.phase !== "headers" || s.headersTimeoutMs < s.firstByteMs) return e;
  return s.hasFallback ? stalledGatewayError(s.host, s.headersTimeoutMs, "AI_GATEWAY_HEADERS_TIMEOUT_MS", e) : silentGatewayError(s.host, s.headersTimeoutMs, e);
}

/** The stall error: raised at once and never retried, so the call moves on to the fallback. */
export function stalledGatewayError(host: string, ms: number, setting: string, cause: unknown): AIGatewayTimeoutError {
  return new AIGatewayTimeoutError(
    `The AI gateway at '${host}' sent nothing within ${ms} ms (${setting}); the call goes to the fallback provider instead of waiting on it.`,
    { phase: "headers", cause, retryable: false },
  );
}

/** The stall error when no other provider can take the call: raised at once, never retried. */
function silentGatewayError(host: string, ms: number, cause: unknown): AIGatewayTimeoutError {
  return new AIGatewayTimeoutError(
    `The AI gateway at '${host}' accepted the request but sent nothing within ${ms} ms (AI_GATEWAY_HEADERS_TIMEOUT_MS); ` +
      "it was not asked again, since a gateway that silent is stalled (a half-up VPN or proxy). Check that the gateway answers, " +
      "raise AI_GATEWAY_HEADERS_TIMEOUT_MS if its model is slow to start, or configure a fallback provider.",
    { phase: "headers", cause, retryable: false },
  );
}
