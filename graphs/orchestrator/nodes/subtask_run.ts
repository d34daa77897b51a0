/**
 * One subtask of a plan in an agent's node. Dispatch hands the subtask to the agent with
 * `Send`, so parallel subtasks run as parallel branches of the graph, each in the node of its
 * own agent. A failure another tier can fix sends the subtask on to the next tier (the same
 * node for a specialist, the next tier agent otherwise); anything else ends the subtask as
 * failed, and the plan goes on without it. Branches write only their own subtask's result.
 */
import { HumanMessage } from "@langchain/core/messages";
import { Command, Send, type LangGraphRunnableConfig } from "@langchain/langgraph";
import type { Tier } from "../../../src/providers/types.js";
import { capOf } from "../configuration.js";
import { linkedSignal } from "../linked_signal.js";
import { addUsage, type UsageByTier } from "../cost.js";
import { usageReport, type AttemptOutcome, type OrchestratorDeps } from "../deps.js";
import { escalates } from "../escalation.js";
import type { CustomStepEvent, FailureInfo } from "../events.js";
import { escalationOf, type RosterMember } from "../roster.js";
import type { SubtaskResult } from "../state.js";

/** Node that schedules a plan's subtasks. */
export const DISPATCH_NODE = "dispatch";

/** What dispatch sends to an agent's node for one subtask (the node's whole input). */
export interface SubtaskPayload {
  subtaskRun: {
    runId: string;
    id: string;
    /** The subtask as planned. */
    task: string;
    /** What the agent is given: the subtask plus the results it depends on. */
    prompt: string;
    tier: Tier;
    /** The run's budget cap (its `run.maxTier`). */
    maxTier?: Tier;
    failedTiers: Tier[];
    escalations: number;
    usage: UsageByTier;
    deadline: number;
  };
}

/** Whether a node's input is a subtask sent by dispatch. */
export const isSubtaskPayload = (state: unknown): state is SubtaskPayload =>
  !!state && typeof state === "object" && typeof (state as SubtaskPayload).subtaskRun?.id === "string";

type Attempt = (
  tier: Tier,
  messages: HumanMessage[],
  config: LangGraphRunnableConfig,
  emit: (e: CustomStepEvent) => void,
  options: { signal?: AbortSignal; subtaskId?: string },
) => Promise<AttemptOutcome>;

/** Runs one subtask's attempt on its tier, then escalates it, or reports how it ended to dispatch. */
export async function runSubtask(deps: OrchestratorDeps, member: RosterMember, attempt: Attempt, payload: SubtaskPayload, config: LangGraphRunnableConfig) {
  const sub = payload.subtaskRun;
  const emit = (e: CustomStepEvent) => config.writer?.({ ...e, subtaskId: sub.id });
  // The run's signal and the plan's deadline, let go of once the attempt is over.
  const budget = linkedSignal([config.signal], Math.max(1, sub.deadline - Date.now()));
  let outcome: AttemptOutcome;
  try {
    outcome = await attempt(sub.tier, [new HumanMessage(sub.prompt)], config, emit, { signal: budget.signal, subtaskId: sub.id });
  } finally {
    budget.dispose();
  }
  const usage = addUsage(sub.usage, outcome.spent);
  const finish = (result: SubtaskResult) => {
    config.writer?.({
      type: "subtask_finished",
      subtaskId: sub.id,
      agent: result.agent,
      tier: result.tier,
      ok: result.ok,
      usage: usageReport(deps, result.usage),
      ...(result.error ? { error: result.error.message, kind: result.error.kind } : {}),
      escalations: result.escalations,
    } as CustomStepEvent);
    const approvals = outcome.ok ? outcome.approvals : [];
    const update = { subtasks: { runId: sub.runId, results: { [sub.id]: result } }, threadUsage: outcome.spent, ...(approvals.length > 0 ? { approvals } : {}) };
    return new Command({ goto: DISPATCH_NODE, update });
  };
  const base = { id: sub.id, task: sub.task, agent: member.name, tier: sub.tier, usage, escalations: sub.escalations };
  if (outcome.ok) return finish({ ...base, ok: true, answer: outcome.result.answer });

  let failure: FailureInfo = outcome.failure;
  const outOfTime = budget.timedOut() && !config.signal?.aborted;
  if (outOfTime) failure = { kind: "timeout", message: `The subtask ran out of the plan's time budget (${Math.round(deps.policy.plan.timeoutMs / 1000)} s).` };
  if (outcome.streamedText) emit({ type: "attempt_discarded", tier: sub.tier, agent: member.name, provider: outcome.provider, reason: failure.message, kind: failure.kind });
  const failedTiers = [...sub.failedTiers, sub.tier];
  const up = escalationOf(member, sub.tier, capOf(config, sub.maxTier));
  if (!outOfTime && up && escalates(failure) && !failedTiers.includes(up.tier)) {
    emit({ type: "escalation", from: sub.tier, to: up.tier, agent: up.agent, reason: failure.message, ...failure });
    const next: SubtaskPayload = { subtaskRun: { ...sub, tier: up.tier, failedTiers, escalations: sub.escalations + 1, usage } };
    return new Command({ goto: [new Send(up.agent, next)], update: { threadUsage: outcome.spent } });
  }
  return finish({ ...base, ok: false, error: { kind: failure.kind, message: failure.message } });
}
