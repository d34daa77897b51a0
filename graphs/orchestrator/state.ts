/**
 * State of the orchestrator graph, as zod schemas so LangGraph Studio can show the state, the
 * input and the output. Fields are either per run (reset by the router at the start of every
 * run and written whole by the nodes) or accumulate over the thread (`messages`, `threadUsage`).
 *
 * The state schemas use zod's v3 API (shipped inside zod 4), the one exception to "zod 4
 * everywhere": LangGraph validates every node update against a fresh partial copy of a zod
 * state, and a zod 4 object compiles a new parser for each copy. Measured in-process, that was
 * about a fifth of an orchestrator run's CPU; the v3 copy costs a few microseconds. The input
 * and context schemas, parsed once per run against fixed schemas, stay zod 4.
 */
import { isBaseMessage, type BaseMessage } from "@langchain/core/messages";
import { MessagesZodMeta } from "@langchain/langgraph";
import { withLangGraph } from "@langchain/langgraph/zod";
import { z } from "zod";
import { z as z3 } from "zod/v3";
import { approvalRecordSchema, type ApprovalRecord } from "../../agents/middleware/approvals.js";
import { MODEL_FAILURE_KINDS } from "../../src/providers/failure.js";
import { TIERS, type Tier } from "../../src/providers/types.js";
import { addUsage, type UsageByTier } from "./cost.js";

const tier = z3.enum(TIERS as [Tier, ...Tier[]]);

const failureKind = z3.enum([...MODEL_FAILURE_KINDS, "step_limit", "no_answer"]);

const failureFields = {
  kind: failureKind,
  message: z3.string(),
  status: z3.number().optional(),
  code: z3.string().optional(),
  provider: z3.string().optional(),
  requestId: z3.string().optional(),
};

/** The chosen tier with its reason and source. */
export const routeSchema = z3.object({
  tier,
  /** The agent node chosen (a tier agent such as `fast_agent`, or a specialist). */
  agent: z3.string(),
  reason: z3.string(),
  source: z3.enum(["explicit", "rule", "classifier", "default"]),
  model: z3.string(),
});
/** The chosen tier with its reason and source. */
export type RouteState = z3.infer<typeof routeSchema>;

/** One escalation of this run. */
export const escalationSchema = z3.object({ from: tier, to: tier, agent: z3.string(), reason: z3.string(), ...failureFields });
/** One escalation of this run. */
export type EscalationRecord = z3.infer<typeof escalationSchema>;

/** The run's answer. */
export const resultSchema = z3.object({ answer: z3.string(), tier, agent: z3.string(), provider: z3.string(), model: z3.string(), simulated: z3.boolean() });
/** The run's answer. */
export type RunResult = z3.infer<typeof resultSchema>;

/** Why the run failed (set instead of `result`). */
export const runErrorSchema = z3.object({ tier, agent: z3.string(), ...failureFields });
/** Why the run failed. */
export type RunError = z3.infer<typeof runErrorSchema>;

const tierUsage = z3.object({ input: z3.number(), output: z3.number(), total: z3.number(), calls: z3.number(), unknown: z3.array(z3.string()) });
const usageByTier = z3.object({ fast: tierUsage.optional(), standard: tierUsage.optional(), premium: tierUsage.optional() });

/** One part of a plan, as the planner gave it (checked: unique ids, known dependencies, no cycle). */
export const plannedSubtaskSchema = z3.object({
  id: z3.string(),
  task: z3.string(),
  agent: z3.string().optional(),
  tier: tier.optional(),
  dependsOn: z3.array(z3.string()),
});

/** The plan of this run: its subtasks, which have been handed out, and the deadline. */
export const planSchema = z3.object({
  /** The planner's tier. */
  tier,
  subtasks: z3.array(plannedSubtaskSchema),
  /** Ids of the subtasks handed to an agent so far. */
  started: z3.array(z3.string()),
  /** When the subtasks' time budget runs out (ms since the epoch). */
  deadline: z3.number(),
});
/** The plan of a run. */
export type PlanState = z3.infer<typeof planSchema>;

/** How one subtask ended. */
export const subtaskResultSchema = z3.object({
  id: z3.string(),
  task: z3.string(),
  agent: z3.string(),
  tier,
  ok: z3.boolean(),
  answer: z3.string().optional(),
  error: z3.object({ kind: failureKind, message: z3.string() }).optional(),
  usage: usageByTier,
  escalations: z3.number(),
});
/** How one subtask ended. */
export type SubtaskResult = z3.infer<typeof subtaskResultSchema>;

const subtaskResultsSchema = z3.object({ runId: z3.string(), results: z3.record(subtaskResultSchema) });
/** Subtask results of one run (a new run id starts afresh). */
export type SubtaskResults = z3.infer<typeof subtaskResultsSchema>;

/**
 * This run's record: written whole by each node and replaced by the router at the start of
 * the next run, so nothing in it carries over or piles up across a thread's runs.
 */
export const runSchema = z3.object({
  /** Identifies the run (subtask results are kept per run). */
  id: z3.string(),
  /** The task: the text of the last human message. */
  task: z3.string(),
  route: routeSchema.optional().describe("The routing decision"),
  /** Tier working on the task now (changes on escalation). */
  activeTier: tier.optional(),
  /** Agent node working on the task now (a tier agent changes on escalation; a specialist keeps its node). */
  activeAgent: z3.string().optional(),
  /** Highest tier this run may use: the context's maxTier, lowered by the budget check at its start. */
  maxTier: tier.optional().describe("Highest tier this run may use (the context's maxTier, lowered by a budget)"),
  /** Tiers that failed this run, each at most once. */
  failedTiers: z3.array(tier).describe("Tiers that failed this run"),
  escalations: z3.array(escalationSchema).describe("This run's escalations"),
  /** Tokens of this run per tier (a failed tier's included). */
  usage: usageByTier.describe("This run's token usage per tier"),
  plan: planSchema.optional().describe("The plan, when the task was split into subtasks"),
  result: resultSchema.optional().describe("The answer"),
  error: runErrorSchema.optional().describe("Why the run failed"),
});
/** This run's record. */
export type RunState = z3.infer<typeof runSchema>;

const MAX_APPROVAL_RECORDS = 200;

/** One approval decision, as the agent middleware records it. */
export type ApprovalRecordState = ApprovalRecord;

/**
 * Graph state: the thread's conversation and token totals accumulate; `run` is per run. (Few
 * top-level keys on purpose: LangGraph validates every node's update against a partial copy of
 * this schema, and the copy costs in proportion to the number of keys.)
 */
export const OrchestratorState = z3.object({
  // Typed by cast: a custom zod type has no JSON schema, and Studio needs one for every field.
  messages: withLangGraph(z3.array(z3.any()).describe("The thread's conversation"), MessagesZodMeta) as unknown as z3.ZodType<BaseMessage[]>,
  /** Tier requested in the input; read and cleared by the router. */
  tier: tier.optional().describe("Tier requested for this run (skips routing)"),
  /** Specialist requested in the input; read and cleared by the router. */
  agent: z3.string().optional().describe("Specialist agent requested for this run"),
  /** Plan route requested in the input; read and cleared by the router. */
  plan: z3.boolean().optional().describe("Split this run's task into subtasks"),
  run: runSchema.optional().describe("This run: route, escalations, usage, and the answer or the error"),
  /** Tokens of every run of the thread; nodes write what they spent and the reducer adds it up. */
  /** Results of this run's subtasks; branches running in parallel each add theirs. */
  subtasks: withLangGraph(subtaskResultsSchema.describe("Results of this run's subtasks"), {
    reducer: {
      fn: (a: SubtaskResults, b: SubtaskResults) => (a.runId === b.runId ? { runId: a.runId, results: { ...a.results, ...b.results } } : b),
      schema: subtaskResultsSchema,
    },
    default: () => ({ runId: "", results: {} }),
  }),
  /** Every approval decision of the thread (who, when, what), oldest first, the last 200 kept. */
  approvals: withLangGraph(z3.array(approvalRecordSchema).describe("Approval decisions on this thread's tool calls"), {
    reducer: { fn: (a: ApprovalRecordState[], b: ApprovalRecordState[]) => [...a, ...b].slice(-MAX_APPROVAL_RECORDS), schema: z3.array(approvalRecordSchema) },
    default: () => [],
  }),
  threadUsage: withLangGraph(usageByTier.describe("Token usage of every run of the thread"), {
    reducer: { fn: (a: UsageByTier, b: UsageByTier) => addUsage(a, b), schema: usageByTier },
    default: () => ({}),
  }),
});

/** Full state type. */
export type OrchestratorStateType = z3.infer<typeof OrchestratorState>;

/** A LangChain message, or a `{role|type, content}` object with string or block-list content. */
function isMessageLike(m: unknown): boolean {
  if (isBaseMessage(m)) return true;
  if (!m || typeof m !== "object" || Array.isArray(m)) return false;
  const { role, type, content } = m as Record<string, unknown>;
  return (typeof role === "string" || typeof type === "string") && (typeof content === "string" || Array.isArray(content));
}

// A refinement, not a union of objects: parsing must hand LangChain message instances through unchanged.
const messageInput = z.any().refine(isMessageLike, { error: 'must be a message such as {"role":"user","content":"..."}' });

const agentInput = z.string({ error: "must be an agent name" }).min(1, { error: "must be an agent name" }).max(40, { error: "must be an agent name of at most 40 characters" });

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
  tier: z.enum(TIERS as [Tier, ...Tier[]], { error: `must be one of ${TIERS.join(", ")}` }).optional().describe("Force this tier (skips routing)"),
  agent: agentInput.optional().describe("Hand the task to this specialist agent (skips routing)"),
  plan: z.boolean({ error: "must be true or false" }).optional().describe("Split the task into subtasks that run in parallel (skips routing)"),
});

/** What a caller passes in (see `OrchestratorInputSchema`). */
export type OrchestratorInput = z.input<typeof OrchestratorInputSchema>;

/** What a run returns. */
export const OrchestratorOutputSchema = OrchestratorState.pick({ messages: true, run: true, threadUsage: true, approvals: true });
