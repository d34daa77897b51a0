/**
 * Routing-rule definitions: the schema of the `routing` section of the tiers file, the built-in
 * rules and their defaults. They are policy, so the tiers file is validated against them at
 * startup; matching and the classifier stay with the orchestrator (graphs/router.ts).
 */
import { z } from "zod";
import { TIERS, type Tier } from "../providers/types.js";

/** How much of the routing chain to use: all of it, rules only (no LLM call), the classifier only, or just the default tier. */
export const ROUTING_MODES = ["auto", "rules", "classifier", "default"] as const;

/** One routing mode. */
export type RoutingMode = (typeof ROUTING_MODES)[number];

/** Longest accepted `pattern`. Bounds the cost of compiling and matching an operator's regex. */
export const MAX_PATTERN_LENGTH = 500;
/** Most rules one routing section may hold. */
export const MAX_ROUTING_RULES = 100;
/** Most keywords (and tool names) one rule may list. */
export const MAX_RULE_KEYWORDS = 100;

// Object- and array-level messages replace only the "wrong type" issue; unknown keys keep their own issue.
const typeError = (message: string) => (issue: { code: string }) => (issue.code === "invalid_type" ? message : undefined);

const tierEnum = z.enum(TIERS as [Tier, ...Tier[]], { error: `must be one of ${TIERS.join(", ")}` });

const word = z.string({ error: "must be a word or phrase" }).min(1, { error: "must be a word or phrase" });
const toolName = z.string({ error: "must be a tool name" }).min(1, { error: "must be a tool name" });

const isValidRegExp = (p: string): boolean => {
  try {
    new RegExp(p, "i");
    return true;
  } catch {
    return false;
  }
};

/** One rule: every condition given must hold; the first matching rule wins. */
export const routingRuleSchema = z
  .strictObject(
    {
      /** Name shown in the route reason. */
      name: z.string({ error: "must be text" }).min(1, { error: "must not be empty" }).optional(),
      /** Tier to run on (default: the agent's first tier, or the default tier). */
      tier: tierEnum.optional(),
      /** Specialist agent to hand the task to (a name from `agents:`). */
      agent: z.string({ error: "must be an agent name" }).min(1, { error: "must be an agent name" }).max(40, { error: "must be an agent name" }).optional(),
      /** Treat the task as composite: plan it into subtasks that run in parallel. */
      plan: z.boolean({ error: "must be true or false" }).optional(),
      /** Matches when any keyword occurs as a whole word or phrase (case-insensitive). */
      keywords: z
        .array(word, { error: typeError("must be a list of words") })
        .min(1, { error: "must be a list of words" })
        .max(MAX_RULE_KEYWORDS, { error: `must list at most ${MAX_RULE_KEYWORDS} words` })
        .optional(),
      /** A regular expression (case-insensitive) the task must match. */
      pattern: z
        .string({ error: "must be a valid regular expression" })
        // abort: a 10k-character pattern is reported as too long, never compiled.
        .max(MAX_PATTERN_LENGTH, { error: `must be at most ${MAX_PATTERN_LENGTH} characters`, abort: true })
        .refine(isValidRegExp, { error: "must be a valid regular expression" })
        .optional(),
      /** The task is at least this many characters long. */
      minLength: z.int({ error: "must be an integer of zero or more" }).nonnegative({ error: "must be an integer of zero or more" }).optional(),
      /** The task is at most this many characters long. */
      maxLength: z.int({ error: "must be a positive integer" }).positive({ error: "must be a positive integer" }).optional(),
      /** The task needs at least one of these tools, and none outside this list (see `detectNeededTools`). */
      needsTools: z
        .array(toolName, { error: typeError("must be a list of tool names") })
        .min(1, { error: "must be a list of tool names" })
        .max(MAX_RULE_KEYWORDS, { error: `must list at most ${MAX_RULE_KEYWORDS} tools` })
        .optional(),
    },
    { error: typeError("must be a rule: an object with a tier, agent or plan and at least one condition") },
  )
  .refine((r) => r.tier !== undefined || r.agent !== undefined || r.plan === true, { error: "a rule needs a tier, an agent or plan: true" })
  .refine((r) => r.keywords || r.pattern || r.minLength !== undefined || r.maxLength !== undefined || r.needsTools, {
    error: "a rule needs at least one condition (keywords, pattern, minLength, maxLength or needsTools)",
  });

/** A routing rule. */
export type RoutingRule = z.infer<typeof routingRuleSchema>;

/** Routing section of the tiers file. */
export const routingConfigSchema = z.strictObject(
  {
    rules: z
      .array(routingRuleSchema, { error: typeError("must be a list of rules") })
      .max(MAX_ROUTING_RULES, { error: `must have at most ${MAX_ROUTING_RULES} rules` })
      .optional(),
    /** Set false to never call the classifier (mode `auto` then behaves like `rules`). */
    classifier: z.boolean({ error: "must be true or false" }).optional(),
  },
  { error: typeError("must be an object with rules and/or classifier") },
);

/** Routing settings. */
export interface RoutingConfig {
  rules: RoutingRule[];
  classifier: boolean;
}

/** Rules used when the tiers file sets none: deep work goes premium, quick tool lookups go fast. */
export const DEFAULT_ROUTING_RULES: RoutingRule[] = [
  { name: "long task", tier: "premium", minLength: 4_000 },
  {
    name: "deep-work keywords",
    tier: "premium",
    keywords: ["architecture", "design a", "prove", "in-depth", "comprehensive", "trade-offs", "threat model", "research"],
  },
  { name: "quick tool lookup", tier: "fast", needsTools: ["calculator", "current_datetime"], maxLength: 400 },
];

/** Routing config with defaults applied: the built-in rules when none are given, classifier on. */
export function resolveRouting(input: z.input<typeof routingConfigSchema> = {}): RoutingConfig {
  return { rules: input.rules ?? DEFAULT_ROUTING_RULES, classifier: input.classifier ?? true };
}
