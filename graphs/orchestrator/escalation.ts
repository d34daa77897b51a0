/**
 * Which failures escalate to the next tier. A failure escalates only when another tier's model
 * can do better; the others (credentials, permissions, a bad request, quota, content filters,
 * an unreachable, throttled, stalled or proxied-away gateway, an identity provider that fails)
 * would fail the same way on every tier, since every tier goes through the same providers with
 * the same credentials, so they end the run at once with one error. The client has already
 * retried them, and the fallback providers have already had the call. The README's escalation
 * table is this table and `escalates`.
 */
import type { FailureInfo, TierFailureKind } from "./events.js";

/** `true`: move up one tier; `false`: end the run. `server_error` is refined by `escalates`. */
export const ESCALATES: Readonly<Record<TierFailureKind, boolean>> = {
  step_limit: true,
  no_answer: true,
  model_not_found: true,
  context_length: true,
  server_error: true,
  rate_limited: false,
  timeout: false,
  stream_cut: true,
  auth: false,
  forbidden: false,
  bad_request: false,
  quota: false,
  content_filter: false,
  token_timeout: false,
  network: false,
  no_provider: false,
  aborted: false,
  internal: false,
};

/**
 * Whether `failure` moves the task up one tier. A server error escalates only as a 500 from the
 * API, the tier's model failing. A 502/503/504 comes from a proxy or the gateway in front of every
 * model; a 408, a 2xx body that is not JSON, a token endpoint answering 5xx or 429, and a provider
 * skipped by its open breaker are all shared by every tier too.
 */
export function escalates(failure: Pick<FailureInfo, "kind" | "status" | "code">): boolean {
  if (!ESCALATES[failure.kind]) return false;
  if (failure.kind !== "server_error") return true;
  return failure.status === 500 && failure.code !== "token_endpoint_unavailable";
}
