/**
 * Run settings from the run context (Studio's context form, `streamSteps`, the HTTP API) or,
 * for callers that still use it, `configurable`. The one place they are read and validated.
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { z } from "zod";
import { ROUTING_MODES, type RoutingMode } from "../../src/providers/routing_rules.js";
import { TIERS, type Tier } from "../../src/providers/types.js";
import { describeZodIssues, OrchestratorInputError } from "./errors.js";

/**
 * The run context. Not strict: LangGraph validates `configurable` (thread id and all) with it
 * when a run has no context, so unknown keys are rejected by `readRunSettings` instead.
 */
export const OrchestratorContext = z.object({
  tier: z.enum(TIERS as [Tier, ...Tier[]], { error: `must be one of ${TIERS.join(", ")}` }).optional().describe("Force this tier (skips routing)"),
  agent: z.string({ error: "must be an agent name" }).min(1, { error: "must be an agent name" }).max(40, { error: "must be an agent name of at most 40 characters" }).optional().describe("Hand the task to this specialist agent (skips routing)"),
  approver: z
    .string({ error: "must be text naming who decides" })
    .max(120, { error: "must be at most 120 characters" })
    .regex(/^[^\u0000-\u001f\u007f]*$/, { error: "must not contain control characters" })
    .optional().describe("Who is deciding pending approvals (kept with each decision)"),
  routingMode: z
    .enum(ROUTING_MODES, { error: `must be one of ${ROUTING_MODES.join(", ")}` })
    .optional()
    .describe("auto: rules, then the classifier, then the default; rules: no LLM call; classifier: skip rules; default: always the default tier"),
  maxTier: z.enum(TIERS as [Tier, ...Tier[]], { error: `must be one of ${TIERS.join(", ")}` }).optional().describe("Highest tier the run may use, escalations included (budgets set it)"),
});

/** Run context type. */
export type OrchestratorContextType = z.infer<typeof OrchestratorContext>;

/** What a run is asked to do besides its input. */
export interface RunSettings {
  /** Tier forced by the caller, if any. */
  tier?: Tier;
  /** Specialist forced by the caller, if any. */
  agent?: string;
  /** Who decides pending approvals on this run. */
  approver?: string;
  routingMode: RoutingMode;
  /** Highest tier the run may use (a budget near its limit lowers it). */
  maxTier?: Tier;
}

const KNOWN = new Set(Object.keys(OrchestratorContext.shape));

/** Reads and validates the run settings; throws OrchestratorInputError naming the bad key. */
export function readRunSettings(config: LangGraphRunnableConfig): RunSettings {
  const context = (config.context ?? {}) as Record<string, unknown>;
  const unknown = Object.keys(context).filter((k) => !KNOWN.has(k));
  if (unknown.length > 0) {
    throw new OrchestratorInputError(
      `Invalid context: unknown key${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `"${k.slice(0, 64)}"`).join(", ")}; the run context takes ${[...KNOWN].join(", ")}.`,
    );
  }
  const configurable = config.configurable ?? {};
  const source = Object.keys(context).length > 0 ? context : { tier: configurable.tier, agent: configurable.agent, approver: configurable.approver, routingMode: configurable.routingMode, maxTier: configurable.maxTier };
  const parsed = OrchestratorContext.safeParse(source);
  if (!parsed.success) throw new OrchestratorInputError(describeZodIssues(parsed.error.issues, "context"));
  return { tier: parsed.data.tier, agent: parsed.data.agent, approver: parsed.data.approver, routingMode: parsed.data.routingMode ?? "auto", maxTier: parsed.data.maxTier };
}
