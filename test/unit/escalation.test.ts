/**
 * escalates(): a failure moves the task up a tier only when another tier's model could do better.
 * Every tier shares the gateway, its credentials and its identity provider, so their failures end
 * the run; the model's own failures (step limit, no answer, a 500, a missing model) escalate.
 */
import { describe, expect, it } from "vitest";
import { escalates } from "../../graphs/orchestrator/escalation.js";
import type { FailureInfo } from "../../graphs/orchestrator/events.js";

type Case = [string, Pick<FailureInfo, "kind" | "status" | "code">];

describe("escalates", () => {
  it.each<Case>([
    ["the step limit", { kind: "step_limit" }],
    ["no answer", { kind: "no_answer" }],
    ["a model the gateway does not serve", { kind: "model_not_found", status: 404 }],
    ["a context too long for the model", { kind: "context_length", status: 400, code: "context_length_exceeded" }],
    ["a 500 from the API", { kind: "server_error", status: 500, code: "upstream_error" }],
    ["a stream cut after text was shown", { kind: "stream_cut" }],
  ])("%s escalates", (_name, failure) => {
    expect(escalates(failure)).toBe(true);
  });

  it.each<Case>([
    ["a 429", { kind: "rate_limited", status: 429 }],
    ["a 502 from a proxy", { kind: "server_error", status: 502 }],
    ["a 503", { kind: "server_error", status: 503 }],
    ["a 504 from a proxy", { kind: "server_error", status: 504 }],
    ["a 408", { kind: "server_error", status: 408 }],
    ["a token endpoint answering 500", { kind: "server_error", status: 500, code: "token_endpoint_unavailable" }],
    ["a token endpoint answering 503", { kind: "server_error", status: 503, code: "token_endpoint_unavailable" }],
    ["a 2xx body that is not JSON", { kind: "server_error", status: 200, code: "invalid_response" }],
    ["a provider skipped by its open breaker", { kind: "server_error", code: "skipped" }],
    ["a gateway that sent nothing in time", { kind: "timeout" }],
    ["an identity provider that hangs", { kind: "token_timeout" }],
    ["an unreachable gateway", { kind: "network" }],
    ["rejected credentials", { kind: "auth", status: 401 }],
  ])("%s ends the run", (_name, failure) => {
    expect(escalates(failure)).toBe(false);
  });
});
