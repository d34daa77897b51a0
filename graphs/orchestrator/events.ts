/**
 * Typed step events of an orchestrator run. Nodes emit them through LangGraph's `custom`
 * stream mode; `streamSteps` adds `token` events from the `messages` mode. Every event has
 * a `type` field so consumers can switch on it. No event carries upstream error text.
 */
import type { ApprovalDecision } from "../../src/policy/agent_config.js";
import type { ModelFailureKind } from "../../src/providers/failure.js";
import type { Tier } from "../../src/providers/types.js";
import type { ToolCallEvent, ToolResultEvent } from "../../agents/middleware/tool_events.js";

export type { ToolCallEvent, ToolResultEvent };

/** How the tier was chosen, in order of precedence. */
export type RouteSource = "explicit" | "rule" | "classifier" | "default";

/** Token counts. */
export interface TokenUsage {
  input: number;
  output: number;
  total: number;
}

/** Why a tier failed: the step limit, or a typed model failure. */
export type TierFailureKind = ModelFailureKind | "step_limit" | "no_answer";

/** A failure as events, state and API responses show it: our message plus typed fields. */
export interface FailureInfo {
  kind: TierFailureKind;
  /** The project's own message (never upstream text). */
  message: string;
  status?: number;
  code?: string;
  provider?: string;
  requestId?: string;
}

/** The router picked a tier. */
export interface RouteDecidedEvent {
  type: "route_decided";
  tier: Tier;
  /** The agent node chosen: a tier agent (`fast_agent`, ...) or a specialist. */
  agent: string;
  reason: string;
  source: RouteSource;
  /** The gateway model configured for the tier (the provider that answers may differ on fallback). */
  model: string;
}

/** A tier's agent started working on the task. */
export interface AgentStartedEvent {
  type: "agent_started";
  tier: Tier;
  /** The agent (graph node). */
  agent: string;
  /** Set when the event happened inside a plan's subtask. */
  subtaskId?: string;
  model: string;
  /** Most model calls of the attempt; 0 for a compiled graph agent, which has no step limit. */
  maxSteps: number;
  tools: string[];
}

/** Text already streamed by a failed attempt is not part of the answer: drop it. */
export interface AttemptDiscardedEvent {
  type: "attempt_discarded";
  tier: Tier;
  /** The agent (graph node). */
  agent: string;
  /** Set when the event happened inside a plan's subtask. */
  subtaskId?: string;
  /** Provider of the attempt's last model call. */
  provider: string;
  reason: string;
  kind: TierFailureKind;
}

/** The task moved up one tier after the agent failed with an error another tier can fix. */
export interface EscalationEvent extends FailureInfo {
  type: "escalation";
  from: Tier;
  to: Tier;
  /** The agent node that takes over. */
  agent: string;
  /** Set when a plan's subtask escalated. */
  subtaskId?: string;
  /** Same as `message`: why the tier failed. */
  reason: string;
}

/** The run paused (a tool or middleware called `interrupt()`); resume with `Command({ resume })`. */
export interface InterruptedEvent {
  type: "interrupted";
  tier: Tier;
  /** The agent (graph node). */
  agent: string;
  /** Set when the event happened inside a plan's subtask. */
  subtaskId?: string;
  /** The values passed to `interrupt()`. */
  interrupts: { id?: string; value: unknown }[];
}

/** A tool call waits for a person (approval policy); resume the thread with a decision. */
export interface ApprovalRequiredEvent {
  type: "approval_required";
  threadId: string;
  tier: Tier;
  agent: string;
  /** Set when the event happened inside a plan's subtask. */
  subtaskId?: string;
  /** LangGraph's id of the pause (several calls of one model turn share it). */
  interruptId?: string;
  callId: string;
  tool: string;
  args: Record<string, unknown>;
  allowedDecisions: ApprovalDecision[];
}

/** The answer, and who actually produced it. */
export interface FinalAnswerEvent {
  type: "final_answer";
  tier: Tier;
  /** The agent (graph node). */
  agent: string;
  answer: string;
  /** Provider that produced the last model call (`gateway`, `openai`, ...). */
  provider: string;
  model: string;
  /** True when the answer came from the local emulator's simulated model. */
  simulated: boolean;
}

/** Usage of one tier in a report. */
export interface TierUsageReport extends TokenUsage {
  costUsd: number;
  /** Model calls made. */
  calls: number;
  /** Providers of calls that reported no usage: their tokens are unknown and not in the figures. */
  unknown: string[];
  /** `provider/model` of calls with no known price: their tokens are in the figures, their cost is not. */
  unpriced: string[];
}

/** Token usage and estimated cost (USD) of a set of runs. */
export interface UsageSummary {
  perTier: Partial<Record<Tier, TierUsageReport>>;
  total: TokenUsage;
  costUsd: number;
  /** What the same tokens would have cost on the premium tier's model alone; null when it has no known price. */
  premiumOnlyCostUsd: number | null;
  /** premiumOnlyCostUsd minus costUsd; null when either is not fully known. */
  savingUsd: number | null;
  /** Providers whose calls reported no usage; empty when every figure is known. */
  unknown: string[];
  /** `provider/model` of calls with no known price (not in `costUsd`); empty when every call is priced. */
  unpriced: string[];
}

/** This run's usage and cost, with the thread's running totals in `thread`. */
export interface UsageEvent extends UsageSummary {
  type: "usage";
  /** Every run of the thread so far, this one included. */
  thread: UsageSummary;
}

/** A streamed token of an agent's answer (from `messages` mode; only `streamSteps` yields it). */
export interface TokenEvent {
  type: "token";
  text: string;
  /** Tier whose agent produced it. */
  tier: Tier;
  /** The agent that produced it (`synthesizer` for a plan's combined answer). */
  agent: string;
  /** Set for the text of a plan's subtask (not part of the answer). */
  subtaskId?: string;
}

/** One part of a plan. */
export interface PlannedSubtask {
  id: string;
  task: string;
  /** Agent the planner asked for (a specialist), if any. */
  agent?: string;
  /** Tier the planner asked for, if any. */
  tier?: Tier;
  /** Ids of subtasks whose results this one needs. */
  dependsOn: string[];
}

/** The planner split the task into subtasks (route `plan`). */
export interface PlanCreatedEvent {
  type: "plan_created";
  /** The planner's tier. */
  tier: Tier;
  subtasks: PlannedSubtask[];
  /** Most subtasks that run at once. */
  maxParallel: number;
  /** Why the plan is the whole task as one subtask (the planner failed or gave nothing usable). */
  note?: string;
}

/** A subtask was routed and handed to its agent. */
export interface SubtaskStartedEvent {
  type: "subtask_started";
  subtaskId: string;
  task: string;
  agent: string;
  tier: Tier;
  reason: string;
  source: RouteSource;
}

/** A subtask ended: answered (`ok`), or failed on every tier it could use. */
export interface SubtaskFinishedEvent {
  type: "subtask_finished";
  subtaskId: string;
  /** The agent and tier that ended it (after any escalation). */
  agent: string;
  tier: Tier;
  ok: boolean;
  /** This subtask's tokens and cost. */
  usage: UsageSummary;
  /** Why it failed (the project's own message). */
  error?: string;
  kind?: TierFailureKind;
  /** Escalations within this subtask. */
  escalations: number;
}

/**
 * A spending limit changed the run (the router checks it before anything runs): `downgraded` to
 * at most `maxTier` (escalations stop there too), or `refused`. Names the limit that decided and
 * how much of it is spent. Emitted by the graph when it has a ledger and budgets.
 */
export interface BudgetEvent {
  type: "budget";
  action: "downgraded" | "refused";
  /** With `downgraded`: the highest tier the run may use. */
  maxTier?: Tier;
  scope: "tenant" | "user";
  name: string;
  period: "daily" | "monthly";
  spentUsd: number;
  limitUsd: number;
  /** When the limit resets (ISO 8601, UTC). */
  resetsAt: string;
  /** One sentence for people. */
  reason: string;
}

/** Every event a run streams. */
export type StepEvent =
  | BudgetEvent
  | RouteDecidedEvent
  | AgentStartedEvent
  | ToolCallEvent
  | ToolResultEvent
  | AttemptDiscardedEvent
  | EscalationEvent
  | InterruptedEvent
  | ApprovalRequiredEvent
  | PlanCreatedEvent
  | SubtaskStartedEvent
  | SubtaskFinishedEvent
  | FinalAnswerEvent
  | UsageEvent
  | TokenEvent;

/** The events nodes emit through the custom stream mode (everything but tokens). */
export type CustomStepEvent = Exclude<StepEvent, TokenEvent>;
