/**
 * The planner: splits a composite task into subtasks with one structured-output call on the
 * planner's tier, checks the plan, and hands it to dispatch. A planner that fails or returns
 * nothing usable does not end the run: the task becomes a plan of one subtask, and the
 * `plan_created` event says why.
 */
import type { BaseMessage } from "@langchain/core/messages";
import { Command, isGraphBubbleUp, type LangGraphRunnableConfig } from "@langchain/langgraph";
import { callRecord } from "../../../agents/middleware/model_calls.js";
import { describeModelFailure } from "../../../src/providers/failure.js";
import { addUsage, type UsageByTier } from "../cost.js";
import { callUsage } from "../run_spend.js";
import type { OrchestratorDeps } from "../deps.js";
import { OrchestratorError } from "../errors.js";
import type { CustomStepEvent, PlannedSubtask } from "../events.js";
import { checkPlan, plannerPrompt, planSchema, type PlanOutput } from "../planning.js";
import { INTERNAL_CALL_TAGS } from "../routing.js";
import type { OrchestratorStateType } from "../state.js";
import { DISPATCH_NODE } from "./subtask_run.js";

/** Planner node factory. */
export function plannerNode(deps: OrchestratorDeps) {
  const settings = deps.policy.plan;
  const schema = planSchema(settings.maxSubtasks);
  const agents = deps.roster.specialists;

  return async (state: OrchestratorStateType, config: LangGraphRunnableConfig) => {
    const run = state.run;
    if (!run) throw new OrchestratorError("The planner ran without a routed run; start runs at the router.");
    // The router's choice: the planner tier, under the run's cap.
    const tier = run.activeTier ?? settings.plannerTier;
    let spent: UsageByTier = {};
    let subtasks: PlannedSubtask[] | undefined;
    let note: string | undefined;
    try {
      const structured = deps.registry.chatModel(tier).withStructuredOutput(schema, { name: "plan_task", includeRaw: true });
      const out = await structured.invoke(
        [
          { role: "system", content: plannerPrompt(settings.maxSubtasks, agents) },
          { role: "user", content: run.task },
        ],
        { signal: config.signal, tags: [...(config.tags ?? []), ...INTERNAL_CALL_TAGS], runName: "planner" },
      );
      await deps.pricing.ready();
      spent = callUsage(config, deps, tier, callRecord(out.raw as BaseMessage));
      const parsed = schema.safeParse(out.parsed);
      const checked = parsed.success ? checkPlan(parsed.data as PlanOutput, agents.map((a) => a.name)) : { problem: "the planner's answer did not fit the plan schema" };
      if ("problem" in checked) note = checked.problem;
      else subtasks = checked.subtasks;
    } catch (err) {
      if (isGraphBubbleUp(err) || config.signal?.aborted) throw err;
      note = `the planner failed: ${describeModelFailure(err, config.signal).message}`;
    }
    if (!subtasks) {
      deps.logger.info({ tier, note }, "Planning gave no usable plan; running the task as one subtask");
      subtasks = [{ id: "t1", task: run.task, dependsOn: [] }];
    }
    config.writer?.({ type: "plan_created", tier, subtasks, maxParallel: settings.maxParallel, ...(note ? { note } : {}) } satisfies CustomStepEvent);
    const plan = { tier, subtasks, started: [], deadline: Date.now() + settings.timeoutMs };
    return new Command({ goto: DISPATCH_NODE, update: { run: { ...run, plan, usage: addUsage(run.usage, spent) }, threadUsage: spent } });
  };
}
