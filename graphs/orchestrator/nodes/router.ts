/**
 * The router: starts a run. It resets the per-run fields (a thread's state carries over between
 * runs), decides the agent and tier, or the plan route for a composite task, and jumps there.
 */
import { randomUUID } from "node:crypto";
import { isHumanMessage, type BaseMessage } from "@langchain/core/messages";
import { Command, type LangGraphRunnableConfig } from "@langchain/langgraph";
import type { Tier } from "../../../src/providers/types.js";
import { lowerCap, readRunSettings, type RunSettings } from "../configuration.js";
import type { UsageByTier } from "../cost.js";
import { callUsage, spendOf } from "../run_spend.js";
import { BUDGET_CHECKED_KEY, budgetCap } from "../spending.js";
import { modelOf, type OrchestratorDeps } from "../deps.js";
import { OrchestratorInputError } from "../errors.js";
import type { CustomStepEvent } from "../events.js";
import { above, placeDecision } from "../roster.js";
import { classifyTask, decideWithoutModel, shouldClassify, type RouteDecision } from "../routing.js";
import type { OrchestratorStateType, RunState } from "../state.js";
import { unansweredUpdates } from "../unanswered.js";

const MAX_TASK_CHARS = 200_000;

/** Node that plans a composite task. */
export const PLANNER_NODE = "planner";

/** What decides a task's route besides its text. */
interface RouteAsk {
  explicitTier?: Tier;
  explicitAgent?: string;
  explicitPlan?: boolean;
  mode: RunSettings["routingMode"];
  /** Whether the plan route may be chosen (not inside a plan: one level only). */
  allowPlan: boolean;
}

/**
 * Decides who does `task`: an explicit choice, the rules, the classifier, else the default. The
 * classifier's tokens are returned as usage of the fast tier.
 */
export async function decideRoute(deps: OrchestratorDeps, task: string, config: LangGraphRunnableConfig, ask: RouteAsk): Promise<{ decision: RouteDecision; usage: UsageByTier }> {
  if (ask.explicitPlan && ask.allowPlan) return { decision: { plan: true, reason: "plan requested explicitly", source: "explicit" }, usage: {} };
  let usage: UsageByTier = {};
  let decision = decideWithoutModel(task, { explicitTier: ask.explicitTier, explicitAgent: ask.explicitAgent, mode: ask.mode, routing: deps.routing });
  if (decision?.plan && !ask.allowPlan) decision = decision.tier || decision.agent ? { ...decision, plan: false } : undefined;
  if (!decision && shouldClassify(ask.mode, deps.routing)) {
    // The price table loads while the classifier works.
    const pricesLoaded = deps.pricing.ready();
    const classified = await classifyTask(deps.registry.chatModel("fast"), task, config, deps.roster.specialists, { allowPlan: ask.allowPlan });
    if (classified) {
      decision = classified;
      await pricesLoaded;
      usage = callUsage(config, deps, "fast", classified.call);
    } else {
      deps.logger.warn("The routing classifier gave no usable answer; using the default tier");
    }
  }
  return { decision: decision ?? { reason: "no explicit tier, rule or classifier decision", source: "default" }, usage };
}

/** Router node factory. */
export function routerNode(deps: OrchestratorDeps) {
  return async (state: OrchestratorStateType, config: LangGraphRunnableConfig) => {
    // A registry built without waiting for discovery (the CLI's) knows its models only now.
    await deps.registry.discovered();
    const settings = readRunSettings(config);
    const emit = (e: CustomStepEvent) => config.writer?.(e);
    // The run's id keys its ledger rows, here and in the host's record of a run that stops early.
    const id = randomUUID();
    spendOf(config, deps, id);
    // Budgets first: a refused run runs nothing; a downgraded one is capped for the rest of the run.
    // A host that checked them before the run (the run service) passed its cap in the context.
    const checked = config.configurable?.[BUDGET_CHECKED_KEY] === true;
    const maxTier = checked ? settings.maxTier : lowerCap(settings.maxTier, await budgetCap(deps, { tenant: settings.tenant, user: settings.user }, emit));
    const lastHuman = [...state.messages].reverse().find((m: BaseMessage) => isHumanMessage(m));
    const task = (lastHuman?.text ?? "").trim();
    if (!task) throw new OrchestratorInputError('No task: the last message must be a human message with text, e.g. {"role":"user","content":"..."}.');
    if (task.length > MAX_TASK_CHARS) throw new OrchestratorInputError(`The task is ${task.length} characters long; the limit is ${MAX_TASK_CHARS}.`);
    const { decision, usage } = await decideRoute(deps, task, config, {
      explicitTier: state.tier ?? settings.tier,
      explicitAgent: state.agent ?? settings.agent,
      explicitPlan: state.plan,
      mode: settings.routingMode,
      allowPlan: true,
    });
    const { reason, source } = decision;
    // A new run starts with no subtask results (the reducer keeps results per run id), and tidies
    // what an earlier run that never answered left behind.
    const reset = { tier: undefined, agent: undefined, plan: undefined, subtasks: { runId: id, results: {} }, messages: unansweredUpdates(state.messages, task) };
    if (decision.plan) {
      const planner = deps.policy.plan.plannerTier;
      const tier = maxTier && above(planner, maxTier) ? maxTier : planner;
      const model = modelOf(deps, tier);
      emit({ type: "route_decided", tier, agent: PLANNER_NODE, reason, source, model });
      const run: RunState = { id, task, route: { tier, agent: PLANNER_NODE, reason, source, model }, activeTier: tier, maxTier, failedTiers: [], escalations: [], usage };
      return new Command({ goto: PLANNER_NODE, update: { ...reset, run, threadUsage: usage } });
    }
    const { agent, tier } = placeDecision(deps.roster, decision, deps.registry.tierConfig.defaultTier, maxTier);
    const model = modelOf(deps, tier);
    emit({ type: "route_decided", tier, agent, reason, source, model });
    const run: RunState = { id, task, route: { tier, agent, reason, source, model }, activeTier: tier, activeAgent: agent, maxTier, failedTiers: [], escalations: [], usage };
    return new Command({ goto: agent, update: { ...reset, run, threadUsage: usage } });
  };
}
