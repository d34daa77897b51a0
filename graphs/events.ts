/**
 * Typed step events of an orchestrator run. Nodes emit them through LangGraph's `custom`
 * stream mode; `streamSteps` adds `token` events from the `messages` mode. Every event has
 * a `type` field so consumers can switch on it.
 */
import type { Tier } from "../src/providers/types.js";

/** How the tier was chosen, in order of precedence. */
export type RouteSource = "explicit" | "rule" | "classifier" | "default";

/** Token counts. */
export interface TokenUsage {
  input: number;
  output: number;
  total: number;
}

/** The router picked a tier. */
export interface RouteDecidedEvent {
  type: "route_decided";
  tier: Tier;
  reason: string;
  source: RouteSource;
  /** The gateway model configured for the tier (the provider that answers may differ on fallback). */
  model: string;
}

/** A tier's agent started working on the task. */
export interface AgentStartedEvent {
  type: "agent_started";
  tier: Tier;
  model: string;
  maxSteps: number;
  tools: string[];
}

/** The agent asked for a tool. */
export interface ToolCallEvent {
  type: "tool_call";
  tier: Tier;
  id: string;
  name: string;
  args: Record<string, unknown>;
}

/** A tool answered. */
export interface ToolResultEvent {
  type: "tool_result";
  tier: Tier;
  id: string;
  name: string;
  content: string;
  /** True when the tool reported an error to the model. */
  isError: boolean;
}

/** The task moved up one tier after the agent failed. */
export interface EscalationEvent {
  type: "escalation";
  from: Tier;
  to: Tier;
  reason: string;
}

/** The answer, and who actually produced it. */
export interface FinalAnswerEvent {
  type: "final_answer";
  tier: Tier;
  answer: string;
  /** Provider that produced the last model call (`gateway`, `openai`, ...). */
  provider: string;
  model: string;
  /** True when the answer came from the local emulator's simulated model. */
  simulated: boolean;
}

/** Token usage per tier and estimated cost in USD. */
export interface UsageEvent {
  type: "usage";
  perTier: Partial<Record<Tier, TokenUsage & { costUsd: number }>>;
  total: TokenUsage;
  costUsd: number;
  /** What the same tokens would have cost on the premium tier alone. */
  premiumOnlyCostUsd: number;
  savingUsd: number;
}

/** A streamed token of a model answer (from `messages` mode; only `streamSteps` yields it). */
export interface TokenEvent {
  type: "token";
  text: string;
  /** LangGraph node that produced it (e.g. `model_request` inside an agent, or `route`). */
  node?: string;
}

/** Every event a run streams. */
export type StepEvent =
  | RouteDecidedEvent
  | AgentStartedEvent
  | ToolCallEvent
  | ToolResultEvent
  | EscalationEvent
  | FinalAnswerEvent
  | UsageEvent
  | TokenEvent;

/** The events nodes emit through the custom stream mode (everything but tokens). */
export type CustomStepEvent = Exclude<StepEvent, TokenEvent>;
