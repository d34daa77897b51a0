/**
 * Routing: which tier handles a task. Precedence: an explicit tier (input or run context),
 * then tier-config rules, then an LLM classifier on the fast model, then the default tier.
 * Everything here except the classifier is pure, so it is unit-tested without a model.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { z } from "zod";
import { TIERS, type Tier } from "../src/providers/types.js";
import type { RouteSource } from "./events.js";

/** How much of the routing chain to use: all of it, rules only (no LLM call), the classifier only, or just the default tier. */
export const ROUTING_MODES = ["auto", "rules", "classifier", "default"] as const;

/** One routing mode. */
export type RoutingMode = (typeof ROUTING_MODES)[number];

const tierEnum = z.enum(TIERS as [Tier, ...Tier[]], { error: `must be one of ${TIERS.join(", ")}` });

/** One rule: every condition given must hold; the first matching rule wins. */
export const routingRuleSchema = z
  .strictObject({
    /** Name shown in the route reason. */
    name: z.string().min(1).optional(),
    tier: tierEnum,
    /** Matches when any keyword occurs as a whole word or phrase (case-insensitive). */
    keywords: z.array(z.string().min(1)).min(1).optional(),
    /** A regular expression (case-insensitive) the task must match. */
    pattern: z
      .string()
      .refine((p) => {
        try {
          new RegExp(p, "i");
          return true;
        } catch {
          return false;
        }
      }, "must be a valid regular expression")
      .optional(),
    /** The task is at least this many characters long. */
    minLength: z.int().nonnegative().optional(),
    /** The task is at most this many characters long. */
    maxLength: z.int().positive().optional(),
    /** The task needs at least one of these tools, and none outside this list (see `detectNeededTools`). */
    needsTools: z.array(z.string().min(1)).min(1).optional(),
  })
  .refine((r) => r.keywords || r.pattern || r.minLength !== undefined || r.maxLength !== undefined || r.needsTools, {
    error: "a rule needs at least one condition (keywords, pattern, minLength, maxLength or needsTools)",
  });

/** A routing rule. */
export type RoutingRule = z.infer<typeof routingRuleSchema>;

/** Routing section of the tier config. */
export const routingConfigSchema = z.strictObject({
  rules: z.array(routingRuleSchema).optional(),
  /** Set false to never call the classifier (mode `auto` then behaves like `rules`). */
  classifier: z.boolean().optional(),
});

/** Routing settings. */
export interface RoutingConfig {
  rules: RoutingRule[];
  classifier: boolean;
}

/** Rules used when the tier config has none: deep work goes premium, quick tool lookups go fast. */
export const DEFAULT_ROUTING_RULES: RoutingRule[] = [
  { name: "long task", tier: "premium", minLength: 4_000 },
  {
    name: "deep-work keywords",
    tier: "premium",
    keywords: ["architecture", "design a", "prove", "in-depth", "comprehensive", "trade-offs", "threat model", "research"],
  },
  { name: "quick tool lookup", tier: "fast", needsTools: ["calculator", "current_datetime"], maxLength: 400 },
];

/** Routing config with defaults applied. */
export function resolveRouting(input: z.input<typeof routingConfigSchema> = {}): RoutingConfig {
  return { rules: input.rules ?? DEFAULT_ROUTING_RULES, classifier: input.classifier ?? true };
}

const ARITHMETIC = /\d\s*(?:[-+*/^×÷]|%\s*(?:of\b)?|percent(?:\s+of)?\b)\s*[\d(]|\b(?:sqrt|square root|sum|product|average|plus|minus|times|divided by|percent(?:age)?)\b/i;
const DATETIME = /\b(?:time|date|today|tomorrow|yesterday|now|weekday|day of the week|time ?zone|utc|clock)\b/i;
const URL_IN_TEXT = /\bhttps?:\/\/\S+/i;

/** Tools a task evidently needs, from its wording: arithmetic -> calculator, dates/times -> current_datetime, a URL -> http_get. */
export function detectNeededTools(task: string): string[] {
  const needed: string[] = [];
  if (ARITHMETIC.test(task)) needed.push("calculator");
  if (DATETIME.test(task)) needed.push("current_datetime");
  if (URL_IN_TEXT.test(task)) needed.push("http_get");
  return needed;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Whether `rule` matches `task`; returns a short description of why when it does. */
export function matchRule(rule: RoutingRule, task: string, neededTools: string[] = detectNeededTools(task)): string | undefined {
  const why: string[] = [];
  if (rule.minLength !== undefined) {
    if (task.length < rule.minLength) return undefined;
    why.push(`${task.length} chars >= ${rule.minLength}`);
  }
  if (rule.maxLength !== undefined && task.length > rule.maxLength) return undefined;
  if (rule.keywords) {
    const hit = rule.keywords.find((k) => new RegExp(`(^|\\W)${escapeRegExp(k)}(?=\\W|$)`, "i").test(task));
    if (!hit) return undefined;
    why.push(`keyword "${hit}"`);
  }
  if (rule.pattern) {
    if (!new RegExp(rule.pattern, "i").test(task)) return undefined;
    why.push(`matches /${rule.pattern}/`);
  }
  if (rule.needsTools) {
    const allowed = new Set(rule.needsTools);
    if (neededTools.length === 0 || !neededTools.every((t) => allowed.has(t))) return undefined;
    why.push(`needs ${neededTools.join(" + ")}`);
  }
  return why.length > 0 ? why.join(", ") : "matched";
}

/** A routing decision. */
export interface RouteDecision {
  tier: Tier;
  reason: string;
  source: RouteSource;
}

/**
 * The decision that needs no model: explicit tier, else the first matching rule (unless the
 * mode skips rules), else undefined (ask the classifier, or use the default).
 */
export function decideWithoutModel(
  task: string,
  options: { explicitTier?: Tier; mode: RoutingMode; routing: RoutingConfig },
): RouteDecision | undefined {
  if (options.explicitTier) return { tier: options.explicitTier, reason: "tier requested explicitly", source: "explicit" };
  if (options.mode === "auto" || options.mode === "rules") {
    const needed = detectNeededTools(task);
    for (const [i, rule] of options.routing.rules.entries()) {
      const why = matchRule(rule, task, needed);
      if (why) return { tier: rule.tier, reason: `rule "${rule.name ?? `#${i + 1}`}": ${why}`, source: "rule" };
    }
  }
  return undefined;
}

/** Whether the classifier should be asked when no explicit tier or rule decided. */
export function shouldClassify(mode: RoutingMode, routing: RoutingConfig): boolean {
  return mode === "classifier" || (mode === "auto" && routing.classifier);
}

/** Structured output the classifier returns. */
export const classificationSchema = z.object({
  tier: tierEnum.describe("fast: lookups, arithmetic, short factual answers; standard: ordinary multi-step tasks; premium: deep analysis, design, long or high-stakes work"),
  reason: z.string().describe("one short sentence explaining the choice"),
});

const CLASSIFIER_PROMPT =
  "You route tasks to model tiers. Choose the cheapest tier that will do the task well: " +
  "fast for lookups, arithmetic and short factual answers; standard for ordinary multi-step work; " +
  "premium for deep analysis, design or long, high-stakes tasks. Reply with the tier and one short reason.";

/** Asks the fast model to classify `task`; returns undefined when it fails, so routing falls through to the default. */
export async function classifyTask(
  model: BaseChatModel,
  task: string,
  config?: { signal?: AbortSignal; callbacks?: unknown },
): Promise<(RouteDecision & { usage?: { input: number; output: number; total: number } }) | undefined> {
  try {
    const structured = model.withStructuredOutput(classificationSchema, { name: "route_task", includeRaw: true });
    const result = await structured.invoke(
      [
        { role: "system", content: CLASSIFIER_PROMPT },
        { role: "user", content: task },
      ],
      config as never,
    );
    const parsed = classificationSchema.safeParse(result.parsed);
    if (!parsed.success) return undefined;
    const u = (result.raw as { usage_metadata?: { input_tokens: number; output_tokens: number; total_tokens: number } }).usage_metadata;
    return {
      tier: parsed.data.tier,
      reason: `classifier: ${parsed.data.reason}`,
      source: "classifier",
      usage: u ? { input: u.input_tokens, output: u.output_tokens, total: u.total_tokens } : undefined,
    };
  } catch {
    return undefined;
  }
}

/** The next tier up, or undefined at the top. */
export function nextTier(tier: Tier): Tier | undefined {
  const i = TIERS.indexOf(tier);
  return i >= 0 && i < TIERS.length - 1 ? TIERS[i + 1] : undefined;
}
