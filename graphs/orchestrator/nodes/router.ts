/**
 * The router: starts a run. It resets the per-run fields (a thread's state carries over between
 * runs), decides the tier and jumps to that tier's agent.
 */
import { isHumanMessage, type BaseMessage } from "@langchain/core/messages";
import { Command, type LangGraphRunnableConfig } from "@langchain/langgraph";
import type { Tier } from "../../../src/providers/types.js";
import { readRunSettings } from "../configuration.js";
import type { UsageByTier } from "../cost.js";
import { modelOf, type OrchestratorDeps } from "../deps.js";
import { OrchestratorInputError } from "../errors.js";
import type { CustomStepEvent } from "../events.js";
import { classifyTask, decideWithoutModel, shouldClassify, type RouteDecision } from "../routing.js";
import type { OrchestratorStateType, RunState } from "../state.js";

/** Node name of a tier's agent. */
export const agentNode = (tier: Tier) => `${tier}_agent` as const;

const MAX_TASK_CHARS = 200_000;

/** Router node factory. */
export function routerNode(deps: OrchestratorDeps) {
  return async (state: OrchestratorStateType, config: LangGraphRunnableConfig) => {
    const settings = readRunSettings(config);
    const lastHuman = [...state.messages].reverse().find((m: BaseMessage) => isHumanMessage(m));
    const task = (lastHuman?.text ?? "").trim();
    if (!task) throw new OrchestratorInputError('No task: the last message must be a human message with text, e.g. {"role":"user","content":"..."}.');
    if (task.length > MAX_TASK_CHARS) throw new OrchestratorInputError(`The task is ${task.length} characters long; the limit is ${MAX_TASK_CHARS}.`);
    const requested = state.tier ?? settings.tier;
    let usage: UsageByTier = {};
    let decision: RouteDecision | undefined = decideWithoutModel(task, { explicitTier: requested, mode: settings.routingMode, routing: deps.routing });
    if (!decision && shouldClassify(settings.routingMode, deps.routing)) {
      const classified = await classifyTask(deps.registry.chatModel("fast"), task, config);
      if (classified) {
        decision = classified;
        const provider = classified.provider ?? "unknown";
        usage = { fast: { ...(classified.usage ?? { input: 0, output: 0, total: 0 }), calls: 1, unknown: classified.usage ? [] : [provider] } };
      } else {
        deps.logger.warn("The routing classifier gave no usable answer; using the default tier");
      }
    }
    decision ??= { tier: deps.tierConfig.defaultTier, reason: "no explicit tier, rule or classifier decision", source: "default" };
    const { tier, reason, source } = decision;
    const model = modelOf(deps, tier);
    config.writer?.({ type: "route_decided", tier, reason, source, model } satisfies CustomStepEvent);
    const run: RunState = { task, route: { tier, reason, source, model }, activeTier: tier, failedTiers: [], escalations: [], usage };
    return new Command({ goto: agentNode(tier), update: { tier: undefined, run, threadUsage: usage } });
  };
}
