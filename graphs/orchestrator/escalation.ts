/**
 * Which failures escalate to the next tier. A failure escalates only when another tier's model
 * can do better; the others (credentials, permissions, a bad request, quota, content filters,
 * an unreachable gateway or identity provider) would fail the same way on every tier, so they
 * end the run at once with one error. The README's escalation table is this table.
 */
import type { TierFailureKind } from "./events.js";

/** `true`: move up one tier; `false`: end the run. */
export const ESCALATES: Readonly<Record<TierFailureKind, boolean>> = {
  step_limit: true,
  no_answer: true,
  model_not_found: true,
  context_length: true,
  server_error: true,
  rate_limited: true,
  timeout: true,
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
