/**
 * A tier's agent as a node of the orchestrator: a compiled `createAgent` subgraph (named
 * `<tier>_agent`, so Studio draws it and xray shows its model and tools nodes), invoked with
 * the thread's messages. The node decides what the agent's outcome means for the run: the
 * answer ends it, a failure another tier can fix escalates one tier up, any other failure ends
 * the run at once. Interrupts raised inside the agent pass through untouched.
 */
import { isAIMessage, type AIMessage, type BaseMessage } from "@langchain/core/messages";
import { Command, END, isGraphBubbleUp, isGraphInterrupt, type LangGraphRunnableConfig } from "@langchain/langgraph";
import { callRecord, ModelCallError, ModelCallLedger, withModelCallLedger } from "../../../agents/middleware/model_calls.js";
import { toolEventsMiddleware } from "../../../agents/middleware/tool_events.js";
import { defaultSystemPrompt } from "../../../agents/prompts.js";
import { createTierAgent } from "../../../agents/tier_agent.js";
import { selectTools } from "../../../agents/tools/index.js";
import type { Tier } from "../../../src/providers/types.js";
import { addUsage, usageOfCalls, type UsageByTier } from "../cost.js";
import { modelOf, usageEvent, type OrchestratorDeps } from "../deps.js";
import { ESCALATES } from "../escalation.js";
import type { CustomStepEvent, FailureInfo } from "../events.js";
import { nextTier } from "../routing.js";
import { OrchestratorError } from "../errors.js";
import type { OrchestratorStateType, RunState } from "../state.js";
import { withTokenRelay } from "../token_relay.js";
import { agentNode } from "./router.js";

/** Name of the node that ends a failed run. */
export const FAIL_NODE = "fail";

const SAFE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** The node of `tier`'s agent: its name, the node function and the compiled agent (its subgraph). */
export function tierAgentNode(deps: OrchestratorDeps, tier: Tier) {
  const settings = deps.tierConfig.tiers[tier];
  const tools = selectTools(deps.tools, settings.tools.includes("*") ? undefined : settings.tools);
  const agent = createTierAgent({
    tier,
    model: deps.registry.chatModel(tier),
    tools,
    systemPrompt: settings.systemPrompt ?? defaultSystemPrompt(tier),
    maxSteps: settings.maxSteps,
    middleware: [toolEventsMiddleware(tier)],
  });
  const name = agentNode(tier);
  const up = nextTier(tier);
  // Each model call takes a model step and a tools step, plus the middleware's own steps.
  const recursionLimit = settings.maxSteps * 4 + 10;

  const node = async (state: OrchestratorStateType, config: LangGraphRunnableConfig) => {
    const run = state.run;
    if (!run) throw new OrchestratorError(`The ${tier} agent ran without a routed run; start runs at the router.`);
    const emit = (e: CustomStepEvent) => config.writer?.(e);
    emit({ type: "agent_started", tier, model: modelOf(deps, tier), maxSteps: settings.maxSteps, tools: tools.map((t) => t.name) });
    const ledger = new ModelCallLedger();
    let output: { messages: BaseMessage[]; stepLimitReached?: boolean };
    try {
      // The compiled graph itself: ReactAgent.invoke would also read the subgraph's state from
      // the checkpointer on every run to fill middleware defaults, which our middleware's zod
      // defaults already give.
      output = (await withModelCallLedger(ledger, () =>
        agent.graph.invoke({ messages: state.messages }, { ...withTokenRelay(config, name, tier), recursionLimit }),
      )) as typeof output;
    } catch (err) {
      if (isGraphInterrupt(err)) {
        emit({ type: "interrupted", tier, interrupts: err.interrupts.map((i) => ({ id: i.id, value: i.value })) });
        throw err;
      }
      if (isGraphBubbleUp(err) || config.signal?.aborted) throw err;
      const modelError = modelCallError(err);
      const failure: FailureInfo = modelError ? modelError.failure : unexpected(err, tier);
      if (!modelError) deps.logger.error({ tier, err }, failure.message);
      return failed(state, run, config, failure, usageOfCalls(tier, ledger.calls), ledger.producedText || !!ledger.failure?.partialOutput, lastProvider(ledger, failure));
    }
    const produced = output.messages.slice(state.messages.length);
    const spent = usageOfCalls(tier, produced.filter(isAIMessage).map(callRecord));
    if (output.stepLimitReached) {
      const failure: FailureInfo = { kind: "step_limit", message: `The ${tier} agent reached its step limit (${settings.maxSteps} model calls).` };
      return failed(state, run, config, failure, spent, produced.some((m) => isAIMessage(m) && m.text.length > 0), lastProvider(ledger));
    }
    const final = [...produced].reverse().find((m): m is AIMessage => isAIMessage(m) && !m.tool_calls?.length);
    if (!final) {
      return failed(state, run, config, { kind: "no_answer", message: `The ${tier} agent ended without an answer.` }, spent, false, lastProvider(ledger));
    }
    const meta = final.response_metadata as { provider?: string; model_provider?: string; model_name?: string; model?: string };
    const provider = meta.provider ?? meta.model_provider ?? "unknown";
    const result = {
      answer: final.text,
      tier,
      provider,
      model: meta.model_name ?? meta.model ?? modelOf(deps, tier),
      simulated: deps.simulated() && provider === "gateway",
    };
    const usage = addUsage(run.usage, spent);
    emit({ type: "final_answer", ...result });
    emit(usageEvent(deps, usage, addUsage(state.threadUsage, spent)));
    return new Command({ goto: END, update: { messages: produced, run: { ...run, usage, result }, threadUsage: spent } });
  };

  /** Records the failure of this tier: escalates when another tier can help, else ends the run. */
  function failed(state: OrchestratorStateType, run: RunState, config: LangGraphRunnableConfig, failure: FailureInfo, spent: UsageByTier, streamedText: boolean, provider: string) {
    const emit = (e: CustomStepEvent) => config.writer?.(e);
    const usage = addUsage(run.usage, spent);
    const failedTiers = [...run.failedTiers, tier];
    // Info, not warn: the failure reaches the caller once, as an escalation event or the run's error
    // (the provider's own failure was already logged by the fallback loop).
    deps.logger.info({ tier, kind: failure.kind, status: failure.status, provider: failure.provider, requestId: failure.requestId }, failure.message);
    if (streamedText) emit({ type: "attempt_discarded", tier, provider, reason: failure.message, kind: failure.kind });
    if (up && ESCALATES[failure.kind] && !failedTiers.includes(up)) {
      const record = { from: tier, to: up, reason: failure.message, ...failure };
      emit({ type: "escalation", ...record });
      return new Command({
        goto: agentNode(up),
        update: { run: { ...run, activeTier: up, failedTiers, escalations: [...run.escalations, record], usage }, threadUsage: spent },
      });
    }
    emit(usageEvent(deps, usage, addUsage(state.threadUsage, spent)));
    return new Command({ goto: FAIL_NODE, update: { run: { ...run, failedTiers, usage, error: { tier, ...failure } }, threadUsage: spent } });
  }

  return { name, node, agent, ends: up ? [agentNode(up), FAIL_NODE, END] : [FAIL_NODE, END] };
}

/** The ModelCallError behind `err` (langchain wraps middleware errors in a MiddlewareError). */
function modelCallError(err: unknown): ModelCallError | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e; depth++) {
    if (e instanceof ModelCallError) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function unexpected(err: unknown, tier: Tier): FailureInfo {
  const name = err instanceof Error && SAFE_NAME.test(err.name) ? err.name : "Error";
  return { kind: "internal", message: `The ${tier} agent failed unexpectedly (${name}); the details are in the log.` };
}

function lastProvider(ledger: ModelCallLedger, failure?: FailureInfo): string {
  return failure?.provider ?? ledger.calls.at(-1)?.provider ?? "unknown";
}
