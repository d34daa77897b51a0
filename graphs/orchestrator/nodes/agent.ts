/**
 * An agent as a node of the orchestrator: a tier agent (`<tier>_agent`) or a specialist (its
 * own name), holding one compiled `createAgent` subgraph per tier it may run on, so Studio
 * draws it and xray shows its model and tools nodes. A specialist from an app's factory is that
 * factory's `createAgent` agent rebuilt with the project's middleware; one that is an app's
 * compiled graph is run as it is, on every tier it may run on, and never escalates. The node runs the subgraph of the run's
 * active tier on the thread's messages and decides what the outcome means for the run: the
 * answer ends it, a failure another tier can fix escalates one tier up (within the agent's
 * tiers), any other failure ends the run at once. Interrupts raised inside the agent (a tool
 * call waiting for approval) pass through untouched, and so do a malformed answer to one (an
 * OrchestratorInputError) and a resume whose budget is used up (BudgetExceededError): neither is
 * the agent's failure.
 */
import { isAIMessage, RemoveMessage, type AIMessage, type BaseMessage } from "@langchain/core/messages";
import { Command, END, isGraphBubbleUp, isGraphInterrupt, REMOVE_ALL_MESSAGES, type LangGraphRunnableConfig, type Pregel } from "@langchain/langgraph";
import { approvalsMiddleware, type ApprovalRecord } from "../../../agents/middleware/approvals.js";
import { callRecord, ModelCallError, ModelCallLedger, withModelCallLedger } from "../../../agents/middleware/model_calls.js";
import { threadSummarizer, type ThreadSummarizer } from "../../../agents/middleware/thread_summary.js";
import { toolEventsMiddleware } from "../../../agents/middleware/tool_events.js";
import { sourceOfTool } from "../../../agents/tools/index.js";
import type { MessagesGraph, SpecialistFactory } from "../../../agents/define_agent.js";
import { agentSystemPrompt } from "../../../agents/prompts.js";
import { createTierAgent, type TierAgent, type TierAgentOptions } from "../../../agents/tier_agent.js";
import type { Tier } from "../../../src/providers/types.js";
import { addUsage, usageOfCalls, type UsageByTier } from "../cost.js";
import { capOf, readRunSettings } from "../configuration.js";
import { approvalPolicyOf, modelOf, toolsOf, type AttemptOutcome, type OrchestratorDeps } from "../deps.js";
import { checkApprovalResume } from "../approvals.js";
import { BudgetExceededError, OrchestratorError, OrchestratorInputError } from "../errors.js";
import { ConfigurationError } from "../../../src/errors.js";
import { escalates } from "../escalation.js";
import type { CustomStepEvent, FailureInfo } from "../events.js";
import { escalationOf, type RosterMember } from "../roster.js";
import type { OrchestratorStateType, RunResult, RunState } from "../state.js";
import { spendOf } from "../run_spend.js";
import { checkResumeBudget, reportUsage } from "../spending.js";
import { withTokenRelay } from "../token_relay.js";
import { withAgentLabels, type AgentRunLabels } from "../run_tags.js";
import { DISPATCH_NODE, isSubtaskPayload, runSubtask } from "./subtask_run.js";

/** Name of the node that ends a failed run. */
export const FAIL_NODE = "fail";

const SAFE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** One compiled agent of a member, for one tier. */
interface TierRun {
  /** What runs: the agent's compiled graph, or an app's compiled graph agent. */
  graph: Pick<MessagesGraph, "invoke">;
  /** The graph to show as the node's subgraph (Studio), when it is one. */
  subgraph?: Pregel<never, never> | TierAgent["graph"];
  tools: string[];
  /** 0 for a compiled graph agent: it has no step limit. */
  maxSteps: number;
  recursionLimit?: number;
  summarize?: ThreadSummarizer;
}

/** The compiled agents of `member`, one per tier, and a function that runs one attempt. */
export function agentRunner(deps: OrchestratorDeps, member: RosterMember) {
  const runs = new Map<Tier, TierRun>();
  const build = member.spec?.build;
  for (const tier of member.tiers) {
    const settings = deps.policy.tiers[tier];
    // The fast tier summarises a thread grown past this tier's budget.
    const summarize = settings.contextTokens > 0 ? threadSummarizer({ model: deps.registry.chatModel("fast"), contextTokens: settings.contextTokens }) : undefined;
    if (build?.kind === "graph") {
      runs.set(tier, { graph: build.graph, subgraph: isDrawable(build.graph) ? (build.graph as unknown as Pregel<never, never>) : undefined, tools: [], maxSteps: 0, summarize });
      continue;
    }
    const tools = toolsOf(deps, member, tier);
    const maxSteps = member.spec?.maxSteps ?? settings.maxSteps;
    const policy = approvalPolicyOf(deps, member, tier, tools);
    const sources = new Map(tools.map((t) => [t.name, sourceOfTool(t, deps.policy.mcp)]));
    const options: TierAgentOptions = {
      name: member.name,
      tier,
      model: deps.registry.chatModel(tier),
      tools,
      systemPrompt: agentSystemPrompt(tier, settings.systemPrompt, member.spec),
      maxSteps,
      middleware: [toolEventsMiddleware(tier, member.name, (tool) => sources.get(tool) ?? "code"), ...(Object.keys(policy).length > 0 ? [approvalsMiddleware(policy, member.name, tier, checkApprovalResume)] : [])],
    };
    const agent = createTierAgent(options, build?.kind === "factory" ? madeByFactory(member.name, build.factory, options) : undefined);
    // Each model call takes a model step and a tools step, plus the middleware's own steps.
    runs.set(tier, { graph: agent.graph, subgraph: agent.graph, tools: tools.map((t) => t.name), maxSteps, recursionLimit: maxSteps * 4 + 10, summarize });
  }

  /**
   * Runs the agent on `tier` over `messages`; rethrows interrupts and the caller's aborts, reports
   * everything else. `signal` (a subtask's time budget) stops the attempt without aborting the run.
   */
  async function attempt(
    tier: Tier,
    messages: BaseMessage[],
    config: LangGraphRunnableConfig,
    emit: (e: CustomStepEvent) => void,
    options: { signal?: AbortSignal; subtaskId?: string; route?: AgentRunLabels["route"] } = {},
  ): Promise<AttemptOutcome> {
    const run = runs.get(tier);
    if (!run) throw new OrchestratorError(`The ${member.name} agent does not run on the ${tier} tier.`);
    const label = labelOf(member, tier);
    emit({ type: "agent_started", tier, agent: member.name, model: modelOf(deps, tier), maxSteps: run.maxSteps, tools: run.tools });
    const ledger = new ModelCallLedger();
    ledger.approver = readRunSettings(config).approver;
    // An answer to a pending approval, once its form is checked, is refused when the budget is used up.
    ledger.beforeResume = () => checkResumeBudget(deps, config, emit);
    ledger.subtaskId = options.subtaskId;
    // The run's calls as they happen, for the ledger of a run that ends before its usage event.
    const spend = spendOf(config, deps);
    if (spend) ledger.onCall = (call, summary) => spend.add(summary ? "fast" : tier, call, deps.pricing);
    let output: { messages: BaseMessage[]; stepLimitReached?: boolean; approvals?: ApprovalRecord[] };
    // The conversation the agent gets: the thread's, or its summarised form when over budget.
    let input = messages;
    let summarized = false;
    // The price table loads while the model works.
    const pricesLoaded = deps.pricing.ready();
    try {
      // The compiled graph itself: ReactAgent.invoke would also read the subgraph's state from
      // the checkpointer on every run to fill middleware defaults, which our middleware's zod
      // defaults already give.
      output = (await withModelCallLedger(ledger, async () => {
        const shorter = run.summarize && !options.subtaskId ? await run.summarize(messages, config) : undefined;
        if (shorter) [input, summarized] = [shorter, true];
        return run.graph.invoke(
          { messages: input },
          {
            ...withAgentLabels(withTokenRelay(config, member.name, tier, options.subtaskId), { tier, agent: member.name, route: options.route ?? (options.subtaskId ? "plan" : undefined), subtaskId: options.subtaskId }),
            ...(run.recursionLimit ? { recursionLimit: run.recursionLimit } : {}),
            ...(options.signal ? { signal: options.signal } : {}),
          },
        );
      })) as typeof output;
    } catch (err) {
      if (isGraphInterrupt(err)) {
        const pending = ledger.pendingApprovals;
        if (pending) {
          const threadId = String(config.configurable?.thread_id ?? "");
          const interruptId = err.interrupts[0]?.id;
          for (const p of pending) emit({ type: "approval_required", threadId, tier, agent: member.name, interruptId, ...p });
        } else {
          emit({ type: "interrupted", tier, agent: member.name, interrupts: err.interrupts.map((i) => ({ id: i.id, value: i.value })) });
        }
        throw err;
      }
      if (isGraphBubbleUp(err) || config.signal?.aborted) throw err;
      // A malformed answer to a pending approval ends the run as bad input. Rethrown, not turned
      // into a failure: a failure would complete this node (escalating or going to `fail`) and
      // move the thread past the pause, dropping the approval. A node that throws leaves the
      // checkpoint where it was, with the interrupt still pending, and the approvals middleware
      // threw before the malformed value was recorded as the answer (see `nextResumeValue` in agents/langchain_private.ts).
      const refusal = causeOfType(err, OrchestratorInputError) ?? causeOfType(err, BudgetExceededError);
      if (refusal) throw refusal;
      const modelError = modelCallError(err);
      const failure: FailureInfo = modelError ? modelError.failure : unexpected(err, label);
      if (!modelError) deps.logger.error({ tier, agent: member.name, err }, failure.message);
      const streamedText = ledger.producedText || !!ledger.failure?.partialOutput;
      await pricesLoaded;
      return { ok: false, failure, spent: withSummaries(deps, usageOfCalls(tier, ledger.calls, deps.pricing), ledger), streamedText, provider: lastProvider(ledger, failure) };
    }
    // An app's compiled graph may have a state without messages; say so rather than fail on it.
    if (!Array.isArray(output?.messages)) {
      const message = `The ${label} returned no messages; a compiled graph agent needs a messages state (e.g. MessagesAnnotation).`;
      await pricesLoaded;
      return { ok: false, failure: { kind: "no_answer", message }, spent: withSummaries(deps, {}, ledger), streamedText: false, provider: lastProvider(ledger) };
    }
    const produced = output.messages.slice(input.length);
    await pricesLoaded;
    const spent = withSummaries(deps, usageOfCalls(tier, produced.filter(isAIMessage).map(callRecord), deps.pricing), ledger);
    if (output.stepLimitReached) {
      const failure: FailureInfo = { kind: "step_limit", message: `The ${label} reached its step limit (${run.maxSteps} model calls).` };
      return { ok: false, failure, spent, streamedText: produced.some((m) => isAIMessage(m) && m.text.length > 0), provider: lastProvider(ledger) };
    }
    const final = [...produced].reverse().find((m): m is AIMessage => isAIMessage(m) && !m.tool_calls?.length);
    if (!final) {
      return { ok: false, failure: { kind: "no_answer", message: `The ${label} ended without an answer.` }, spent, streamedText: false, provider: lastProvider(ledger) };
    }
    const meta = final.response_metadata as { provider?: string; model_provider?: string; model_name?: string; model?: string; simulated?: boolean };
    const provider = meta.provider ?? meta.model_provider ?? "unknown";
    const result: RunResult = {
      answer: final.text,
      tier,
      agent: member.name,
      provider,
      model: meta.model_name ?? meta.model ?? modelOf(deps, tier),
      // The in-process emulator is known at startup; one run as its own process says so per answer.
      simulated: (deps.simulated() && provider === "gateway") || meta.simulated === true,
    };
    // The thread takes the summarised conversation in place of the one it had.
    const written = summarized ? [new RemoveMessage({ id: REMOVE_ALL_MESSAGES }), ...output.messages] : produced;
    return { ok: true, produced, written, result, spent, approvals: output.approvals ?? [] };
  }

  // One graph serves every tier of a compiled graph agent: Studio shows it once.
  return { attempt, subgraphs: [...new Set([...runs.values()].flatMap((r) => (r.subgraph ? [r.subgraph] : [])))] as TierAgent["graph"][] };
}

/** The node of `member`: runs the active tier's agent, then answers, escalates or fails the run. */
export function agentNode(deps: OrchestratorDeps, member: RosterMember) {
  const runner = agentRunner(deps, member);

  const node = async (state: OrchestratorStateType, config: LangGraphRunnableConfig) => {
    if (isSubtaskPayload(state)) return runSubtask(deps, member, runner.attempt, state, config);
    const run = state.run;
    const tier = run?.activeTier;
    if (!run || !tier) throw new OrchestratorError(`The ${member.name} agent ran without a routed run; start runs at the router.`);
    const emit = (e: CustomStepEvent) => config.writer?.(e);
    const outcome = await runner.attempt(tier, state.messages, config, emit, { route: run.route?.source });
    if (outcome.ok) {
      const usage = addUsage(run.usage, outcome.spent);
      emit({ type: "final_answer", ...outcome.result });
      await reportUsage(deps, config, run.id, usage, addUsage(state.threadUsage, outcome.spent));
      const update = { messages: outcome.written, run: { ...run, usage, result: outcome.result }, threadUsage: outcome.spent };
      return new Command({ goto: END, update: outcome.approvals.length > 0 ? { ...update, approvals: outcome.approvals } : update });
    }
    return failed(state, run, tier, outcome, emit, config);
  };

  /** Records the failure of this tier: escalates when another tier can help, else ends the run. */
  async function failed(state: OrchestratorStateType, run: RunState, tier: Tier, outcome: Extract<AttemptOutcome, { ok: false }>, emit: (e: CustomStepEvent) => void, config: LangGraphRunnableConfig) {
    const { failure, spent } = outcome;
    const usage = addUsage(run.usage, spent);
    const failedTiers = [...run.failedTiers, tier];
    // Info, not warn: the failure reaches the caller once, as an escalation event or the run's error
    // (the provider's own failure was already logged by the fallback loop).
    deps.logger.info({ tier, agent: member.name, kind: failure.kind, status: failure.status, provider: failure.provider, requestId: failure.requestId }, failure.message);
    if (outcome.streamedText) emit({ type: "attempt_discarded", tier, agent: member.name, provider: outcome.provider, reason: failure.message, kind: failure.kind });
    const up = escalationOf(member, tier, capOf(config, run.maxTier));
    if (up && escalates(failure) && !failedTiers.includes(up.tier)) {
      const record = { from: tier, to: up.tier, agent: up.agent, reason: failure.message, ...failure };
      emit({ type: "escalation", ...record });
      return new Command({
        goto: up.agent,
        update: { run: { ...run, activeTier: up.tier, activeAgent: up.agent, failedTiers, escalations: [...run.escalations, record], usage }, threadUsage: spent },
      });
    }
    await reportUsage(deps, config, run.id, usage, addUsage(state.threadUsage, spent));
    return new Command({ goto: FAIL_NODE, update: { run: { ...run, failedTiers, usage, error: { tier, agent: member.name, ...failure } }, threadUsage: spent } });
  }

  const ends = new Set<string>([FAIL_NODE, DISPATCH_NODE, END]);
  for (const tier of member.tiers) {
    const up = escalationOf(member, tier);
    if (up) ends.add(up.agent);
  }
  return { name: member.name, node, subgraphs: runner.subgraphs, ends: [...ends] };
}

/** A compiled LangGraph graph (Studio can draw it as the node's subgraph), told by shape: the package exports Pregel as a type only. */
function isDrawable(graph: MessagesGraph): boolean {
  return typeof (graph as { getGraphAsync?: unknown }).getGraphAsync === "function" && typeof (graph as { nodes?: unknown }).nodes === "object";
}

/** What an app's factory made for one tier; it must be a `createAgent` agent, whose options the project rebuilds it from. */
function madeByFactory(agent: string, factory: SpecialistFactory, options: TierAgentOptions): { options: object } {
  const made: unknown = factory({ model: options.model, tools: [...options.tools], tier: options.tier, systemPrompt: options.systemPrompt });
  const params = (made as { options?: unknown } | undefined)?.options;
  if (typeof params !== "object" || params === null || !("model" in params)) {
    throw new ConfigurationError("invalid_orchestrator_config", `The factory of agent "${agent}" must return a createAgent agent (e.g. createAgent({ model, tools })); for any other graph, pass the compiled graph as agent instead.`);
  }
  return { options: params };
}

/** `usage` plus the fast tier's summary calls of the attempt. */
function withSummaries(deps: OrchestratorDeps, usage: UsageByTier, ledger: ModelCallLedger): UsageByTier {
  return ledger.summaryCalls.length > 0 ? addUsage(usage, usageOfCalls("fast", ledger.summaryCalls, deps.pricing)) : usage;
}

/** The error of class `type` behind `err` (langchain wraps middleware errors in a MiddlewareError). */
function causeOfType<T extends Error>(err: unknown, type: abstract new (...args: never[]) => T): T | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e; depth++) {
    if (e instanceof type) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The ModelCallError behind `err`. */
function modelCallError(err: unknown): ModelCallError | undefined {
  return causeOfType(err, ModelCallError);
}

/** How messages name an agent: "fast agent" for a tier agent, "researcher agent on the standard tier" for a specialist. */
function labelOf(member: RosterMember, tier: Tier): string {
  return member.spec ? `${member.name} agent on the ${tier} tier` : `${tier} agent`;
}

function unexpected(err: unknown, label: string): FailureInfo {
  const name = err instanceof Error && SAFE_NAME.test(err.name) ? err.name : "Error";
  return { kind: "internal", message: `The ${label} failed unexpectedly (${name}); the details are in the log.` };
}

function lastProvider(ledger: ModelCallLedger, failure?: FailureInfo): string {
  return failure?.provider ?? ledger.calls.at(-1)?.provider ?? "unknown";
}
