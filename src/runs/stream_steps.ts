/** `streamSteps`: the typed step events of one orchestrator run, for apps; a run of the run service. */
import type { MultitaskStrategy } from "../config/index.js";
import type { RoutingMode } from "../policy/routing_rules.js";
import type { Tier } from "../providers/types.js";
import type { StepEvent } from "../../graphs/orchestrator/events.js";
import type { OrchestratorGraph } from "../../graphs/orchestrator/graph.js";
import type { StepsInput } from "../../graphs/orchestrator/stream.js";
import type { ThreadClaims } from "../../graphs/thread_claims.js";
import type { ThreadOwners } from "../../graphs/thread_owners.js";
import type { RunLimits } from "./limits.js";
import { RunService } from "./service.js";

/** Options of `streamSteps`. */
export interface StreamStepsOptions {
  /** The graph to run; default the environment-configured graph of `studio.ts`. */
  graph?: OrchestratorGraph;
  /** Continue (or start) this conversation thread; needs a graph with a checkpointer. */
  threadId?: string;
  /** Force a tier (skips routing). */
  tier?: Tier;
  /** Hand the task to this specialist (skips routing). */
  agent?: string;
  /** Split the task into subtasks that run in parallel (the plan route; skips routing). */
  plan?: boolean;
  routingMode?: RoutingMode;
  /** Who decides pending approvals on this run (kept with each decision). */
  approver?: string;
  signal?: AbortSignal;
  /** Include `token` events (default true). */
  tokens?: boolean;
  /**
   * Claim `threadId` for the run in these claims (`createCheckpointer().claims`, which every
   * process on the same store sees) and give it back at the end, which also prunes the thread's
   * old checkpoints. Without claims, the app keeps two runs off one thread itself.
   */
  claims?: ThreadClaims;
  /**
   * With `claims`, what a run on a thread another run holds does: `reject` (default) throws
   * `ThreadBusyError`; `enqueue` waits its turn; `interrupt` stops the running one, which keeps
   * its completed steps, and then runs; `rollback` stops it, drops what it wrote, and then runs.
   * The stopped run, in this process or another, throws `RunSupersededError`.
   */
  multitaskStrategy?: MultitaskStrategy;
  /** How long a run waits for the thread (its turn, or the stopped run's end) before throwing `ThreadBusyError` (default 120000 ms). */
  queueTimeoutMs?: number;
  /**
   * Extra HTTP headers for every gateway call of this run (agents, classifier, planner, subtasks):
   * an end user's id, a cost centre. Checked like AI_GATEWAY_HEADERS (at most 16, values up to
   * 1024 characters, no control characters, no Authorization/Host/Content-Length); they win over
   * the static headers. They travel in the run's config, never in checkpoints or traces.
   */
  headers?: Record<string, string>;
  /**
   * The user the run is for: its usage is recorded against them (within their tenant) and their
   * budgets apply, in the graph's `ledger` and `budgets` (`createOrchestrator`).
   */
  user?: string;
  /** The tenant the run is for: with `owners`, a thread of another tenant is refused as not found. */
  tenant?: string;
  /** Which tenant owns each thread (`createCheckpointer().owners`); without it, threads are not checked. */
  owners?: ThreadOwners;
  /** Thread size and queue limits (`runLimitsOf(loadConfig())` gives the server's); default none. */
  limits?: RunLimits;
}

/**
 * Runs the orchestrator and yields its step events in order (see `events.ts`): `route_decided`,
 * `agent_started`, `tool_call`, `tool_result`, `token` (an agent's streamed answer text),
 * `attempt_discarded`, `escalation`, `approval_required`, `interrupted`, `final_answer`, `usage`.
 * Errors of the run are thrown after the events so far. Pass `{ approval: { decision } }` to
 * decide a pending approval, or `{ resume }` to answer any other interrupt. A long-lived app
 * should make one `createRunService` and call its `stream`, which also applies limits.
 */
export async function* streamSteps(input: StepsInput, options: StreamStepsOptions = {}): AsyncGenerator<StepEvent> {
  const graph = options.graph ?? (await (await import("../../graphs/orchestrator/studio.js")).graph);
  const service = new RunService({
    graph,
    claims: options.claims,
    owners: options.owners,
    limits: options.queueTimeoutMs !== undefined ? { ...options.limits, queue: { ...options.limits?.queue, timeoutMs: options.queueTimeoutMs } } : options.limits,
  });
  yield* service.stream(
    { tenant: options.tenant, user: options.user, approver: options.approver },
    {
      input,
      threadId: options.threadId,
      tier: options.tier,
      agent: options.agent,
      plan: options.plan,
      routingMode: options.routingMode,
      multitaskStrategy: options.multitaskStrategy,
      headers: options.headers,
      tokens: options.tokens,
      signal: options.signal,
    },
  );
}
