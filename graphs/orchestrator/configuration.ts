/**
 * Run settings from the run context (Studio's context form, `streamSteps`, the HTTP API and every
 * other surface): the one place they are read and validated. `configurable` carries the thread,
 * never a run setting; one put there is refused, naming where it goes.
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { z } from "zod";
import { PRINCIPAL_NAME } from "../../src/policy/budget_config.js";
import { ROUTING_MODES, type RoutingMode } from "../../src/policy/routing_rules.js";
import { TIERS, type Tier } from "../../src/providers/types.js";
import { describeZodIssues, OrchestratorInputError } from "./errors.js";

/** A tenant or user name, as the API, the CLI and the ledger accept it. */
const principalName = z
  .string({ error: "must be 1 to 128 letters, digits or _ . @ : - (starting with a letter or digit)" })
  .regex(PRINCIPAL_NAME, { error: "must be 1 to 128 letters, digits or _ . @ : - (starting with a letter or digit)" });

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
  maxTier: z.enum(TIERS as [Tier, ...Tier[]], { error: `must be one of ${TIERS.join(", ")}` }).optional().describe("Highest tier the run may use, escalations included (a budget may lower it further)"),
  tenant: principalName.optional().describe("The tenant the run is for: its usage is recorded against it and its budgets apply"),
  user: principalName.optional().describe("The user the run is for (within the tenant): its usage is recorded against them and their budgets apply"),
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
  /** Highest tier the caller lets the run use (a budget near its limit lowers it further: see `capOf`). */
  maxTier?: Tier;
  /** The tenant the run is for. */
  tenant?: string;
  /** The user the run is for. */
  user?: string;
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
  const misplaced = [...KNOWN].filter((k) => configurable[k] !== undefined && context[k] === undefined);
  if (misplaced.length > 0) {
    throw new OrchestratorInputError(`Run settings go in the run context, not in configurable: move ${misplaced.map((k) => `"${k}"`).join(", ")} to context.`);
  }
  const parsed = OrchestratorContext.safeParse(context);
  if (!parsed.success) throw new OrchestratorInputError(describeZodIssues(parsed.error.issues, "context"));
  const { tier, agent, approver, routingMode, maxTier, tenant, user } = parsed.data;
  return { tier, agent, approver, routingMode: routingMode ?? "auto", maxTier, tenant, user };
}

/** The lower of two tier caps (undefined is no cap). */
export function lowerCap(a: Tier | undefined, b: Tier | undefined): Tier | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return TIERS.indexOf(a) <= TIERS.indexOf(b) ? a : b;
}

/**
 * The highest tier the run may use: the caller's `maxTier`, lowered by the cap the run's budget
 * check set (kept in the run's state, `run.maxTier`, since the context is read-only).
 */
export function capOf(config: LangGraphRunnableConfig, stored: Tier | undefined): Tier | undefined {
  return lowerCap(readRunSettings(config).maxTier, stored);
}
