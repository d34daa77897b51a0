/** State of the orchestrator graph, and its run context (what Studio shows as the context form). */
import type { BaseMessage } from "@langchain/core/messages";
import { Annotation, MessagesAnnotation } from "@langchain/langgraph";
import { z } from "zod";
import { TIERS, type Tier } from "../src/providers/types.js";
import { addUsage, type UsageByTier } from "./cost.js";
import type { RouteSource } from "./events.js";
import { ROUTING_MODES } from "./router.js";

/** The chosen tier with its reason and source. */
export interface RouteState {
  tier: Tier;
  reason: string;
  source: RouteSource;
  model: string;
}

/** One escalation, recorded in state. */
export interface EscalationRecord {
  from: Tier;
  to: Tier;
  reason: string;
}

/** The run's outcome. */
export interface RunResult {
  answer: string;
  tier: Tier;
  provider: string;
  model: string;
  simulated: boolean;
}

/** Graph state: the conversation plus routing, escalation, usage and the result. */
export const OrchestratorState = Annotation.Root({
  ...MessagesAnnotation.spec,
  /** The task of this run: the text of the last human message (set by the router). */
  task: Annotation<string | undefined>({ reducer: (_a, b) => b, default: () => undefined }),
  /** Explicit tier requested in the input; wins over every other routing source. */
  tier: Annotation<Tier | undefined>({ reducer: (_a, b) => b, default: () => undefined }),
  /** The routing decision. */
  route: Annotation<RouteState | undefined>({ reducer: (_a, b) => b, default: () => undefined }),
  /** Tier currently working on the task (changes on escalation). */
  activeTier: Annotation<Tier | undefined>({ reducer: (_a, b) => b, default: () => undefined }),
  /** Tiers that already failed this task, so each escalates at most once. */
  failedTiers: Annotation<Tier[]>({ reducer: (a, b) => [...a, ...b], default: () => [] }),
  /** Escalations of this run. */
  escalations: Annotation<EscalationRecord[]>({ reducer: (a, b) => [...a, ...b], default: () => [] }),
  /** Last agent failure, read by the edge that decides on escalation. */
  lastError: Annotation<string | undefined>({ reducer: (_a, b) => b, default: () => undefined }),
  /** Token usage per tier (summed). */
  usage: Annotation<UsageByTier>({ reducer: addUsage, default: () => ({}) }),
  /** The outcome. */
  result: Annotation<RunResult | undefined>({ reducer: (_a, b) => b, default: () => undefined }),
});

/** Full state type. */
export type OrchestratorStateType = typeof OrchestratorState.State;

/** What a caller passes in: messages and/or a task string (appended as a human message), and an optional tier. */
export interface OrchestratorInput {
  messages?: (BaseMessage | { role: string; content: string })[];
  task?: string;
  tier?: Tier;
}

/** Run context: a tier override and the routing mode. Studio renders this as the context form. */
export const OrchestratorContext = z.object({
  tier: z.enum(TIERS as [Tier, ...Tier[]]).optional().describe("Force this tier (skips routing)"),
  routingMode: z
    .enum(ROUTING_MODES)
    .optional()
    .describe("auto: rules, then the classifier, then the default; rules: no LLM call; classifier: skip rules; default: always the default tier"),
});

/** Run context type. */
export type OrchestratorContextType = z.infer<typeof OrchestratorContext>;

/**
 * Input schema (zod) of the graph, so LangGraph Studio can draw the input form. `messages`
 * stays `any[]` because inputs are validated at run time and may be LangChain message objects.
 */
export const OrchestratorInputSchema = z.object({
  messages: z
    .array(z.any())
    .meta({ langgraph_type: "messages" })
    .describe("The conversation: {role, content} objects or LangChain messages; the last human message is the task"),
  tier: z.enum(TIERS as [Tier, ...Tier[]]).optional().describe("Force this tier (skips routing)"),
});
