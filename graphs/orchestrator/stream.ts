/** `streamSteps`: the typed step events of one orchestrator run, tokens included, for apps. */
import { randomUUID } from "node:crypto";
import { AIMessageChunk, HumanMessage, type BaseMessage } from "@langchain/core/messages";
import { Command } from "@langchain/langgraph";
import type { RoutingMode } from "../../src/providers/routing_rules.js";
import { isTier, type Tier } from "../../src/providers/types.js";
import { approvalResume, pendingApprovals, type ApprovalInput } from "./approvals.js";
import { MULTITASK_STRATEGIES, type MultitaskStrategy } from "../../src/config/index.js";
import { stoppingAttempt, waitForClaim, type ThreadClaim, type ThreadClaims } from "../thread_claims.js";
import { OrchestratorInputError, RunSupersededError, ThreadBusyError } from "./errors.js";
import type { CustomStepEvent, StepEvent } from "./events.js";
import type { OrchestratorGraph } from "./graph.js";
import type { OrchestratorInput } from "./state.js";
import { planSpending, principalOf } from "./spending.js";
import type { BudgetConfig } from "../../src/providers/budget_config.js";
import type { UsageLedger } from "../../src/usage/index.js";
import { checkHeaders, HeaderRuleError, RUN_HEADER_LIMITS } from "../../src/config/headers.js";
import { withRunHeaders } from "../../src/models/chat_models/run_headers.js";
import type { LangChainOtelTracer } from "../../src/telemetry/index.js";
import { runTracer } from "./telemetry.js";

/** The run's `headers` checked (names lower-cased), or an OrchestratorInputError naming the bad one. */
function runHeaders(headers: Record<string, string> | undefined): Record<string, string> | undefined {
  if (headers === undefined) return undefined;
  try {
    return checkHeaders(headers, "headers", RUN_HEADER_LIMITS);
  } catch (err) {
    if (err instanceof HeaderRuleError) throw new OrchestratorInputError(err.message);
    throw err;
  }
}

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
  /** The user the run is for: its usage is recorded against them and their budgets apply (see spending.ts). */
  user?: string;
  /** The tenant the run is for (an API key's tenant on the server). */
  tenant?: string;
  /** Where the run's usage is recorded (`createCheckpointer().ledger`); without it, nothing is. */
  ledger?: UsageLedger;
  /** Spending limits checked before the run (the tier config's `budgets`); they need `ledger`. */
  budgets?: BudgetConfig;
}

/** The claim on the run's thread that `options` ask for, waiting as the strategy says. */
async function claimThread(options: StreamStepsOptions): Promise<ThreadClaim | undefined> {
  const { claims, threadId } = options;
  if (!claims || !threadId) return undefined;
  const strategy = options.multitaskStrategy ?? "reject";
  if (!MULTITASK_STRATEGIES.includes(strategy)) throw new OrchestratorInputError(`multitaskStrategy must be one of ${MULTITASK_STRATEGIES.join(", ")}, not ${JSON.stringify(strategy)}.`);
  if (strategy === "rollback" && !claims.canRollback) throw new OrchestratorInputError("multitaskStrategy rollback needs the claims of a checkpoint store (createCheckpointer().claims), which can drop a stopped run's steps.");
  const timeoutMs = options.queueTimeoutMs ?? 120_000;
  const stopping = strategy === "interrupt" || strategy === "rollback";
  const tryClaim = () => claims.tryClaim(threadId);
  const attempt = stopping ? stoppingAttempt(tryClaim, claims, threadId, strategy) : tryClaim;
  const held = await waitForClaim(attempt, {
    deadline: strategy === "reject" ? 0 : Date.now() + timeoutMs,
    signal: options.signal,
    wake: (listener) => claims.onRelease(threadId, listener),
  });
  if (held === "timeout" && strategy === "reject") throw new ThreadBusyError(`A run is already in progress on thread ${threadId}; pass multitaskStrategy: "enqueue" to wait for it.`);
  if (held === "timeout" && stopping) throw new ThreadBusyError(`The run on thread ${threadId} did not stop within ${timeoutMs} ms; nothing was run.`);
  if (held === "timeout") throw new ThreadBusyError(`Waited ${timeoutMs} ms for thread ${threadId}; nothing was run.`);
  if (held === "aborted") throw new ThreadBusyError(`Stopped waiting for thread ${threadId}: the run was aborted.`);
  return held;
}

/** `RunSupersededError` when a newer run stopped the holder of `claim`; else undefined. */
export function supersededError(claim: ThreadClaim | undefined): RunSupersededError | undefined {
  const mode = claim?.stopped.aborted ? claim.stopped.reason : undefined;
  return mode === "interrupt" || mode === "rollback" ? new RunSupersededError(mode) : undefined;
}

/**
 * What a run takes besides a task string: the full input, the answer to a pending interrupt
 * (`resume`, or a Command), or a decision on the thread's pending approvals (`approval`).
 */
export type StepsInput =
  | string
  | (Partial<OrchestratorInput> & { task?: string })
  | { resume: unknown }
  | { approval: ApprovalInput | ApprovalInput[] }
  | Command;

/** Turns a task string or input object into graph input (a task string becomes the human message). */
export function toGraphInput(input: Exclude<StepsInput, { approval: unknown }>): OrchestratorInput | Command {
  if (typeof input === "string") return { messages: [new HumanMessage(input)] };
  if (input instanceof Command) return input;
  if ("resume" in input) return new Command({ resume: input.resume });
  const { task, messages = [], ...rest } = input;
  return { ...rest, messages: [...messages, ...(task ? [new HumanMessage(task)] : [])] } as OrchestratorInput;
}

/**
 * Runs the orchestrator and yields its step events in order (see `events.ts`): `route_decided`,
 * `agent_started`, `tool_call`, `tool_result`, `token` (an agent's streamed answer text),
 * `attempt_discarded`, `escalation`, `approval_required`, `interrupted`, `final_answer`, `usage`.
 * Errors of the run are thrown after the events so far. Pass `{ approval: { decision } }` to
 * decide a pending approval, or `{ resume }` to answer any other interrupt.
 */
export async function* streamSteps(input: StepsInput, given: StreamStepsOptions = {}): AsyncGenerator<StepEvent> {
  const graph = given.graph ?? (await (await import("./studio.js")).graph);
  // A graph that keeps checkpoints needs a thread: a run without one gets a thread of its own.
  const options = given.threadId === undefined && graph.checkpointer ? { ...given, threadId: randomUUID() } : given;
  const context = {
    ...(options.tier !== undefined ? { tier: options.tier } : {}),
    ...(options.agent !== undefined ? { agent: options.agent } : {}),
    ...(options.routingMode !== undefined ? { routingMode: options.routingMode } : {}),
    ...(options.approver !== undefined ? { approver: options.approver } : {}),
  };
  let graphInput: OrchestratorInput | Command;
  if (typeof input === "object" && !(input instanceof Command) && "approval" in input) {
    if (!options.threadId) throw new OrchestratorInputError("A decision on pending approvals needs the thread id (threadId).");
    graphInput = approvalResume(await pendingApprovals(graph, options.threadId), input.approval);
  } else {
    graphInput = toGraphInput(input);
    if (options.plan && !(graphInput instanceof Command)) graphInput = { ...graphInput, plan: true };
  }
  const headers = runHeaders(options.headers);
  // Checked before any wait for the thread: bad input costs nothing.
  const who = principalOf(options);
  const claim = await claimThread(options);
  try {
    // Checked once the thread is ours, so a run that waited its turn sees what the one before it spent.
    const plan = await planSpending(options, who);
    yield* plan.events;
    if (plan.refused) throw plan.refused;
    const capped = plan.maxTier ? { ...context, maxTier: plan.maxTier } : context;
    const signal = claim ? (options.signal ? AbortSignal.any([options.signal, claim.stopped]) : claim.stopped) : options.signal;
    yield* plan.record(runSteps(graph, graphInput, capped, { ...options, signal, headers }, plan.configurable));
    // The run's steps ended: a stop asked for from here on no longer undoes them.
    await claim?.commit();
  } catch (err) {
    throw supersededError(claim) ?? err;
  } finally {
    await claim?.release();
  }
}

async function* runSteps(graph: OrchestratorGraph, graphInput: OrchestratorInput | Command, context: Record<string, unknown>, options: StreamStepsOptions, configurable: Record<string, unknown>): AsyncGenerator<StepEvent> {
  // One trace per run when an OpenTelemetry SDK is registered; nothing is added otherwise.
  const tracer = runTracer();
  try {
    yield* streamRun(graph, graphInput, context, options, configurable, tracer);
  } finally {
    tracer?.finish();
  }
}

async function* streamRun(
  graph: OrchestratorGraph,
  graphInput: OrchestratorInput | Command,
  context: Record<string, unknown>,
  options: StreamStepsOptions,
  configurable: Record<string, unknown>,
  tracer: LangChainOtelTracer | undefined,
): AsyncGenerator<StepEvent> {
  const stream = await graph.stream(graphInput as never, {
    streamMode: options.tokens === false ? ["custom"] : ["custom", "messages"],
    configurable: withRunHeaders({ ...configurable, ...(options.threadId ? { thread_id: options.threadId } : {}) }, options.headers),
    context: context as never,
    signal: options.signal,
    ...(tracer ? { callbacks: [tracer] } : {}),
  });
  for await (const [mode, data] of stream as AsyncIterable<[string, unknown]>) {
    if (mode === "custom") {
      yield data as CustomStepEvent;
    } else if (mode === "messages") {
      const [message, metadata] = data as [BaseMessage, { langgraph_node?: string; tier?: unknown; agent?: unknown; subtask_id?: unknown }];
      // Only an agent's streamed answer is a token (the relay marks it); whole messages and internal calls are not.
      if (!AIMessageChunk.isInstance(message) || !isTier(metadata?.tier) || typeof metadata.agent !== "string" || metadata.langgraph_node !== metadata.agent) continue;
      const text = message.text;
      if (text) yield { type: "token", text, tier: metadata.tier, agent: metadata.agent, ...(typeof metadata.subtask_id === "string" ? { subtaskId: metadata.subtask_id } : {}) };
    }
  }
}
