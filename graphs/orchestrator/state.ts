/**
 * State of the orchestrator graph, as zod schemas so LangGraph Studio can show the state, the
 * input and the output. Fields are either per run (reset by the router at the start of every
 * run and written whole by the nodes) or accumulate over the thread (`messages`, `threadUsage`).
 */
import { isBaseMessage, type BaseMessage } from "@langchain/core/messages";
import { MessagesZodMeta } from "@langchain/langgraph";
import { registry } from "@langchain/langgraph/zod";
import { z } from "zod";
import { MODEL_FAILURE_KINDS } from "../../src/providers/failure.js";
import { TIERS, type Tier } from "../../src/providers/types.js";
import { addUsage, type UsageByTier } from "./cost.js";

const tier = z.enum(TIERS as [Tier, ...Tier[]], { error: `must be one of ${TIERS.join(", ")}` });

const failureKind = z.enum([...MODEL_FAILURE_KINDS, "step_limit", "no_answer"]);

const failureFields = {
  kind: failureKind,
  message: z.string(),
  status: z.number().optional(),
  code: z.string().optional(),
  provider: z.string().optional(),
  requestId: z.string().optional(),
};

/** The chosen tier with its reason and source. */
export const routeSchema = z.object({
  tier,
  reason: z.string(),
  source: z.enum(["explicit", "rule", "classifier", "default"]),
  model: z.string(),
});
/** The chosen tier with its reason and source. */
export type RouteState = z.infer<typeof routeSchema>;

/** One escalation of this run. */
export const escalationSchema = z.object({ from: tier, to: tier, reason: z.string(), ...failureFields });
/** One escalation of this run. */
export type EscalationRecord = z.infer<typeof escalationSchema>;

/** The run's answer. */
export const resultSchema = z.object({ answer: z.string(), tier, provider: z.string(), model: z.string(), simulated: z.boolean() });
/** The run's answer. */
export type RunResult = z.infer<typeof resultSchema>;

/** Why the run failed (set instead of `result`). */
export const runErrorSchema = z.object({ tier, ...failureFields });
/** Why the run failed. */
export type RunError = z.infer<typeof runErrorSchema>;

const tierUsage = z.object({ input: z.number(), output: z.number(), total: z.number(), calls: z.number(), unknown: z.array(z.string()) });
const usageByTier = z.object({ fast: tierUsage.optional(), standard: tierUsage.optional(), premium: tierUsage.optional() });

/**
 * This run's record: written whole by each node and replaced by the router at the start of
 * the next run, so nothing in it carries over or piles up across a thread's runs.
 */
export const runSchema = z.object({
  /** The task: the text of the last human message. */
  task: z.string(),
  route: routeSchema.optional().describe("The routing decision"),
  /** Tier working on the task now (changes on escalation). */
  activeTier: tier.optional(),
  /** Tiers that failed this run, each at most once. */
  failedTiers: z.array(tier).describe("Tiers that failed this run"),
  escalations: z.array(escalationSchema).describe("This run's escalations"),
  /** Tokens of this run per tier (a failed tier's included). */
  usage: usageByTier.describe("This run's token usage per tier"),
  result: resultSchema.optional().describe("The answer"),
  error: runErrorSchema.optional().describe("Why the run failed"),
});
/** This run's record. */
export type RunState = z.infer<typeof runSchema>;

/**
 * Graph state: the thread's conversation and token totals accumulate; `run` is per run. (Few
 * top-level keys on purpose: LangGraph validates every node's update against a partial copy of
 * this schema, and the copy costs in proportion to the number of keys.)
 */
export const OrchestratorState = z.object({
  // Typed by cast: a custom zod type has no JSON schema, and Studio needs one for every field.
  messages: z.array(z.any()).describe("The thread's conversation").register(registry, MessagesZodMeta) as unknown as z.ZodType<BaseMessage[]>,
  /** Tier requested in the input; read and cleared by the router. */
  tier: tier.optional().describe("Tier requested for this run (skips routing)"),
  run: runSchema.optional().describe("This run: route, escalations, usage, and the answer or the error"),
  /** Tokens of every run of the thread; nodes write what they spent and the reducer adds it up. */
  threadUsage: usageByTier
    .describe("Token usage of every run of the thread")
    .register(registry, { reducer: { fn: (a: UsageByTier, b: UsageByTier) => addUsage(a, b), schema: usageByTier }, default: () => ({}) }),
});

/** Full state type. */
export type OrchestratorStateType = z.infer<typeof OrchestratorState>;

/** A LangChain message, or a `{role|type, content}` object with string or block-list content. */
function isMessageLike(m: unknown): boolean {
  if (isBaseMessage(m)) return true;
  if (!m || typeof m !== "object" || Array.isArray(m)) return false;
  const { role, type, content } = m as Record<string, unknown>;
  return (typeof role === "string" || typeof type === "string") && (typeof content === "string" || Array.isArray(content));
}

// A refinement, not a union of objects: parsing must hand LangChain message instances through unchanged.
const messageInput = z.any().refine(isMessageLike, { error: 'must be a message such as {"role":"user","content":"..."}' });

/**
 * What a run takes: the conversation so far or just the new turn (the last human message is
 * the task) and an optional tier. Any other key is rejected, naming it.
 */
export const OrchestratorInputSchema = z.strictObject({
  messages: z
    .array(messageInput, { error: 'must be a list of messages, e.g. [{"role":"user","content":"What is 2 + 2?"}]' })
    .min(1, { error: "needs at least one message; the last human message is the task" })
    .meta({ langgraph_type: "messages" })
    .describe("The new turn ({role, content} objects or LangChain messages); the last human message is the task"),
  tier: tier.optional().describe("Force this tier (skips routing)"),
});

/** What a caller passes in (see `OrchestratorInputSchema`). */
export type OrchestratorInput = z.input<typeof OrchestratorInputSchema>;

/** What a run returns. */
export const OrchestratorOutputSchema = OrchestratorState.pick({ messages: true, run: true, threadUsage: true });
