/**
 * The synthesizer: one model call on its tier that combines the subtasks' results into the
 * answer, told which parts failed. Its tokens stream as the answer. If the call fails, the run
 * still answers with every part's result, saying they could not be combined, so nothing done
 * is lost.
 */
import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import { isGraphBubbleUp, type LangGraphRunnableConfig } from "@langchain/langgraph";
import { callRecord } from "../../../agents/middleware/model_calls.js";
import { describeModelFailure } from "../../../src/providers/failure.js";
import { capOf } from "../configuration.js";
import { addUsage, type UsageByTier } from "../cost.js";
import { callUsage } from "../run_spend.js";
import { above } from "../roster.js";
import { modelOf, type OrchestratorDeps } from "../deps.js";
import { reportUsage } from "../spending.js";
import type { CustomStepEvent } from "../events.js";
import { currentPlan, SYNTHESIZER_PROMPT, synthesizerInput, uncombinedAnswer } from "../planning.js";
import type { OrchestratorStateType, RunResult } from "../state.js";
import { SYNTHESIZER_NODE } from "./dispatch.js";

/** Synthesizer node factory. */
export function synthesizerNode(deps: OrchestratorDeps) {
  const configured = deps.policy.plan.synthesizerTier;

  return async (state: OrchestratorStateType, config: LangGraphRunnableConfig) => {
    const { run, plan, results } = currentPlan(state, SYNTHESIZER_NODE);
    const maxTier = capOf(config, run.maxTier);
    const tier = maxTier && above(configured, maxTier) ? maxTier : configured;
    const emit = (e: CustomStepEvent) => config.writer?.(e);
    // The subtasks' tokens, per tier, join the run's (their branches already added them to the thread's).
    let usage = run.usage;
    for (const r of Object.values(results)) usage = addUsage(usage, r.usage);

    let message: BaseMessage;
    let spent: UsageByTier = {};
    let provider = "none";
    let model = modelOf(deps, tier);
    // Set when the answer says this project's emulator gave it (it may run as its own process).
    let simulatedAnswer = false;
    try {
      message = await deps.registry.chatModel(tier).invoke(
        [
          { role: "system", content: SYNTHESIZER_PROMPT },
          { role: "user", content: synthesizerInput(run.task, plan.subtasks, results) },
        ],
        // Marked like an agent's call, so its tokens stream as the answer.
        { signal: config.signal, metadata: { tier, agent: SYNTHESIZER_NODE }, runName: SYNTHESIZER_NODE },
      );
      await deps.pricing.ready();
      spent = callUsage(config, deps, tier, callRecord(message));
      const meta = message.response_metadata as { provider?: string; model_provider?: string; model_name?: string; model?: string; simulated?: boolean };
      provider = meta.provider ?? meta.model_provider ?? "unknown";
      model = meta.model_name ?? meta.model ?? model;
      simulatedAnswer = meta.simulated === true;
    } catch (err) {
      if (isGraphBubbleUp(err) || config.signal?.aborted) throw err;
      const failure = describeModelFailure(err, config.signal);
      deps.logger.info({ tier, kind: failure.kind }, failure.message);
      message = new AIMessage(uncombinedAnswer(plan.subtasks, results, failure.message));
    }
    usage = addUsage(usage, spent);
    const result: RunResult = { answer: message.text, tier, agent: SYNTHESIZER_NODE, provider, model, simulated: (deps.simulated() && provider === "gateway") || simulatedAnswer };
    emit({ type: "final_answer", ...result });
    await reportUsage(deps, config, run.id, usage, addUsage(state.threadUsage, spent));
    return { messages: [message], run: { ...run, usage, result }, threadUsage: spent };
  };
}
