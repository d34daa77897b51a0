/**
 * Dispatch: the plan's scheduler. Each time it runs (after the planner, and whenever subtasks
 * finish) it routes the subtasks whose dependencies are done, up to the plan's parallelism, and
 * sends each to its agent's node with `Send`, so they run at once. When nothing is left to run
 * it hands over to the synthesizer. Subtasks not started when the time budget runs out are
 * recorded as failed, so the synthesizer still answers with the rest.
 */
import { Command, Send, type LangGraphRunnableConfig } from "@langchain/langgraph";
import { capOf, readRunSettings } from "../configuration.js";
import { addUsage, type UsageByTier } from "../cost.js";
import { usageReport, type OrchestratorDeps } from "../deps.js";
import type { CustomStepEvent } from "../events.js";
import { currentPlan, readySubtasks, subtaskPrompt } from "../planning.js";
import { placeDecision } from "../roster.js";
import type { OrchestratorStateType, SubtaskResult } from "../state.js";
import { decideRoute } from "./router.js";
import { DISPATCH_NODE, type SubtaskPayload } from "./subtask_run.js";

/** Node that combines the subtasks' results. */
export const SYNTHESIZER_NODE = "synthesizer";

/** Dispatch node factory. */
export function dispatchNode(deps: OrchestratorDeps) {
  const settings = deps.policy.plan;

  return async (state: OrchestratorStateType, config: LangGraphRunnableConfig) => {
    const { run, plan, results } = currentPlan(state, DISPATCH_NODE);
    const emit = (e: CustomStepEvent) => config.writer?.(e);
    const finished = new Set(Object.keys(results));
    const running = plan.started.filter((id) => !finished.has(id));

    if (Date.now() >= plan.deadline) {
      const skipped: Record<string, SubtaskResult> = {};
      for (const s of plan.subtasks.filter((x) => !plan.started.includes(x.id))) {
        const message = `Not started: the plan's time budget (${Math.round(settings.timeoutMs / 1000)} s) ran out.`;
        skipped[s.id] = { id: s.id, task: s.task, agent: s.agent ?? "none", tier: s.tier ?? deps.registry.tierConfig.defaultTier, ok: false, error: { kind: "timeout", message }, usage: {}, escalations: 0 };
        emit({ type: "subtask_finished", subtaskId: s.id, agent: skipped[s.id].agent, tier: skipped[s.id].tier, ok: false, usage: usageReport(deps, {}), error: message, kind: "timeout", escalations: 0 });
      }
      const update = { run: { ...run, plan: { ...plan, started: plan.subtasks.map((s) => s.id) } }, subtasks: { runId: run.id, results: skipped } };
      return running.length === 0 ? new Command({ goto: SYNTHESIZER_NODE, update }) : new Command({ update });
    }

    const ready = readySubtasks(plan.subtasks, plan.started, finished).slice(0, Math.max(0, settings.maxParallel - running.length));
    if (ready.length === 0) return running.length === 0 ? new Command({ goto: SYNTHESIZER_NODE }) : new Command({ update: {} });

    const { routingMode: mode } = readRunSettings(config);
    const maxTier = capOf(config, run.maxTier);
    const routed = await Promise.all(
      ready.map(async (s) => {
        const { decision, usage } = await decideRoute(deps, s.task, config, { explicitTier: s.tier, explicitAgent: s.agent, mode, allowPlan: false });
        const source = s.agent || s.tier ? ("explicit" as const) : decision.source;
        const reason = s.agent || s.tier ? "the planner chose it" : decision.reason;
        return { s, placed: placeDecision(deps.roster, decision, deps.registry.tierConfig.defaultTier, maxTier), usage, source, reason };
      }),
    );
    let spent: UsageByTier = {};
    const sends = routed.map(({ s, placed, usage, source, reason }) => {
      spent = addUsage(spent, usage);
      emit({ type: "subtask_started", subtaskId: s.id, task: s.task, agent: placed.agent, tier: placed.tier, reason, source });
      const payload: SubtaskPayload = {
        subtaskRun: { runId: run.id, id: s.id, task: s.task, prompt: subtaskPrompt(s, results), tier: placed.tier, ...(run.maxTier ? { maxTier: run.maxTier } : {}), failedTiers: [], escalations: 0, usage: {}, deadline: plan.deadline },
      };
      return new Send(placed.agent, payload);
    });
    return new Command({
      goto: sends,
      update: { run: { ...run, plan: { ...plan, started: [...plan.started, ...ready.map((s) => s.id)] }, usage: addUsage(run.usage, spent) }, threadUsage: spent },
    });
  };
}
