/**
 * The router: starts a run. It resets the per-run fields (a thread's state carries over between
 * runs), decides the agent and tier, and jumps to that agent's node.
 */
import { isHumanMessage, type BaseMessage } from "@langchain/core/messages";
import { Command, type LangGraphRunnableConfig } from "@langchain/langgraph";
import { readRunSettings } from "../configuration.js";
import type { UsageByTier } from "../cost.js";
import { modelOf, type OrchestratorDeps } from "../deps.js";
import { OrchestratorInputError } from "../errors.js";
import type { CustomStepEvent } from "../events.js";
import { placeDecision } from "../roster.js";
import { classifyTask, decideWithoutModel, shouldClassify, type RouteDecision } from "../routing.js";
import type { OrchestratorStateType, RunState } from "../state.js";

const MAX_TASK_CHARS = 200_000;

/** Router node factory. */
export function routerNode(deps: OrchestratorDeps) {
  return async (state: OrchestratorStateType, config: LangGraphRunnableConfig) => {
    const settings = readRunSettings(config);
    const lastHuman = [...state.messages].reverse().find((m: BaseMessage) => isHumanMessage(m));
    const task = (lastHuman?.text ?? "").trim();
    if (!task) throw new OrchestratorInputError('No task: the last message must be a human message with text, e.g. {"role":"user","content":"..."}.');
    if (task.length > MAX_TASK_CHARS) throw new OrchestratorInputError(`The task is ${task.length} characters long; the limit is ${MAX_TASK_CHARS}.`);
    const explicitTier = state.tier ?? settings.tier;
    const explicitAgent = state.agent ?? settings.agent;
    let usage: UsageByTier = {};
    let decision: RouteDecision | undefined = decideWithoutModel(task, { explicitTier, explicitAgent, mode: settings.routingMode, routing: deps.routing });
    if (!decision && shouldClassify(settings.routingMode, deps.routing)) {
      const classified = await classifyTask(deps.registry.chatModel("fast"), task, config, deps.roster.specialists);
      if (classified) {
        decision = classified;
        const provider = classified.provider ?? "unknown";
        usage = { fast: { ...(classified.usage ?? { input: 0, output: 0, total: 0 }), calls: 1, unknown: classified.usage ? [] : [provider] } };
      } else {
        deps.logger.warn("The routing classifier gave no usable answer; using the default tier");
      }
    }
    decision ??= { reason: "no explicit tier, rule or classifier decision", source: "default" };
    const { agent, tier } = placeDecision(deps.roster, decision, deps.tierConfig.defaultTier);
    const { reason, source } = decision;
    const model = modelOf(deps, tier);
    config.writer?.({ type: "route_decided", tier, agent, reason, source, model } satisfies CustomStepEvent);
    const run: RunState = { task, route: { tier, agent, reason, source, model }, activeTier: tier, activeAgent: agent, failedTiers: [], escalations: [], usage };
    return new Command({ goto: agent, update: { tier: undefined, agent: undefined, run, threadUsage: usage } });
  };
}
