/**
 * Routing: which tier handles a task. Precedence: an explicit tier (input or run context),
 * then the routing rules (TIERS_CONFIG `routing.rules`, schema in src/policy/routing_rules.ts),
 * then an LLM classifier on the fast model, then the default tier. Everything here except the
 * classifier is pure, so it is unit-tested without a model.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { BaseMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { z } from "zod";
import type { RoutingConfig, RoutingMode, RoutingRule } from "../../src/policy/routing_rules.js";
import { TIERS, type Tier } from "../../src/providers/types.js";
import { callRecord, type ModelCallRecord } from "../../agents/middleware/model_calls.js";
import type { RouteSource, TokenUsage } from "./events.js";

export {
  ROUTING_MODES,
  DEFAULT_ROUTING_RULES,
  routingConfigSchema,
  routingRuleSchema,
  resolveRouting,
  type RoutingMode,
  type RoutingRule,
  type RoutingConfig,
} from "../../src/policy/routing_rules.js";

const tierEnum = z.enum(TIERS as [Tier, ...Tier[]], { error: `must be one of ${TIERS.join(", ")}` });

// Whitespace runs are bounded: two open-ended runs side by side ("1%" then 20,000 spaces) took
// quadratic time to reject, long enough to stall the server's event loop.
const ARITHMETIC = /\d\s{0,8}(?:[-+*/^×÷]|%(?:\s{0,8}of\b)?|percent(?:\s{1,8}of)?\b)\s{0,8}[\d(]|\b(?:sqrt|square root|sum|product|average|plus|minus|times|divided by|percent(?:age)?)\b/i;
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

/** A rule's regular expressions, built once per rule object rather than on every task. */
const compiledRules = new WeakMap<RoutingRule, { keywords: [string, RegExp][]; pattern?: RegExp }>();
function compiled(rule: RoutingRule) {
  let c = compiledRules.get(rule);
  if (!c) {
    c = {
      keywords: (rule.keywords ?? []).map((k) => [k, new RegExp(`(^|\\W)${escapeRegExp(k)}(?=\\W|$)`, "i")]),
      pattern: rule.pattern ? new RegExp(rule.pattern, "i") : undefined,
    };
    compiledRules.set(rule, c);
  }
  return c;
}

/** Whether `rule` matches `task`; returns a short description of why when it does. */
export function matchRule(rule: RoutingRule, task: string, neededTools: string[] = detectNeededTools(task)): string | undefined {
  const why: string[] = [];
  if (rule.minLength !== undefined) {
    if (task.length < rule.minLength) return undefined;
    why.push(`${task.length} chars >= ${rule.minLength}`);
  }
  if (rule.maxLength !== undefined && task.length > rule.maxLength) return undefined;
  if (rule.keywords) {
    const hit = compiled(rule).keywords.find(([, re]) => re.test(task));
    if (!hit) return undefined;
    why.push(`keyword "${hit[0]}"`);
  }
  if (rule.pattern) {
    if (!compiled(rule).pattern!.test(task)) return undefined;
    why.push(`matches /${rule.pattern}/`);
  }
  if (rule.needsTools) {
    const allowed = new Set(rule.needsTools);
    if (neededTools.length === 0 || !neededTools.every((t) => allowed.has(t))) return undefined;
    why.push(`needs ${neededTools.join(" + ")}`);
  }
  return why.length > 0 ? why.join(", ") : "matched";
}

/** A routing decision: a tier, a specialist agent or both (the router fills in what is missing). */
export interface RouteDecision {
  tier?: Tier;
  /** Specialist name; absent for the tier agents. */
  agent?: string;
  /** The task is composite: plan it into subtasks. */
  plan?: boolean;
  reason: string;
  source: RouteSource;
}

/**
 * The decision that needs no model: explicit tier, else the first matching rule (unless the
 * mode skips rules), else undefined (ask the classifier, or use the default).
 */
export function decideWithoutModel(
  task: string,
  options: { explicitTier?: Tier; explicitAgent?: string; mode: RoutingMode; routing: RoutingConfig },
): RouteDecision | undefined {
  if (options.explicitAgent) return { agent: options.explicitAgent, tier: options.explicitTier, reason: "agent requested explicitly", source: "explicit" };
  if (options.explicitTier) return { tier: options.explicitTier, reason: "tier requested explicitly", source: "explicit" };
  if (options.mode === "auto" || options.mode === "rules") {
    const needed = detectNeededTools(task);
    for (const [i, rule] of options.routing.rules.entries()) {
      const why = matchRule(rule, task, needed);
      if (why) return { tier: rule.tier, agent: rule.agent, plan: rule.plan, reason: `rule "${rule.name ?? `#${i + 1}`}": ${why}`, source: "rule" };
    }
  }
  return undefined;
}

/** Whether the classifier should be asked when no explicit tier or rule decided. */
export function shouldClassify(mode: RoutingMode, routing: RoutingConfig): boolean {
  return mode === "classifier" || (mode === "auto" && routing.classifier);
}

const tierField = tierEnum.describe("fast: lookups, arithmetic, short factual answers; standard: ordinary multi-step tasks; premium: deep analysis, design, long or high-stakes work");
const reasonField = z.string().describe("one short sentence explaining the choice");

/** Structured output the classifier returns when there are no specialist agents. */
export const classificationSchema = z.object({ tier: tierField, reason: reasonField });

/** Name the classifier gives for "no specialist: the tier agents". */
export const GENERAL_AGENT = "general";

/** Name the classifier gives for "a composite task: plan it". */
export const PLAN_CHOICE = "plan";

/** What the classifier chooses from: a specialist's name and what it is for. */
export interface AgentChoice {
  name: string;
  description: string;
}

/**
 * The classifier's schema when specialists exist: each choice is a literal carrying its
 * description, so the model (and the emulator's simulated model) sees what each agent is for.
 */
export function agentClassificationSchema(agents: readonly AgentChoice[]) {
  const general = z.literal(GENERAL_AGENT).describe("no specialist fits: a general assistant with the tier's tools");
  const plan = z.literal(PLAN_CHOICE).describe("a composite task with several separate parts, to split up, do in parallel and combine");
  const choices = agents.map((a) => z.literal(a.name).describe(a.description));
  // Optional: a classifier that answers only {tier, reason} still routes (to the tier agents).
  return z.object({ agent: z.union([general, plan, ...choices]).optional().describe("who should do the task"), tier: tierField, reason: reasonField });
}

const CLASSIFIER_PROMPT =
  "You route tasks to model tiers. Choose the cheapest tier that will do the task well: " +
  "fast for lookups, arithmetic and short factual answers; standard for ordinary multi-step work; " +
  "premium for deep analysis, design or long, high-stakes tasks. Reply with the tier and one short reason.";

const agentPrompt = (agents: readonly AgentChoice[]) =>
  `${CLASSIFIER_PROMPT}\nAlso choose who does the task: ${agents.length ? "one of these agents, or " : ""}"${GENERAL_AGENT}" when ${agents.length ? "none fits" : "one assistant can do it"}, ` +
  `or "${PLAN_CHOICE}" only when the task has two or more separate parts that are best done apart and combined.` +
  (agents.length ? `\n${agents.map((a) => `- ${a.name}: ${a.description}`).join("\n")}` : "");

/**
 * Tags that keep an internal model call out of every user-facing stream: LangGraph's
 * `messages` mode skips "nostream" runs, and LangGraph API's `events` mode skips hidden ones.
 */
export const INTERNAL_CALL_TAGS = ["langsmith:nostream", "langsmith:hidden"];

/** Asks the fast model to classify `task`; returns undefined when it fails, so routing falls through to the default. */
export async function classifyTask(
  model: BaseChatModel,
  task: string,
  config: RunnableConfig = {},
  agents: readonly AgentChoice[] = [],
  options: { allowPlan?: boolean } = {},
): Promise<(RouteDecision & { tier: Tier; usage?: TokenUsage; provider?: string; call: ModelCallRecord }) | undefined> {
  try {
    const choose = agents.length > 0 || options.allowPlan;
    const schema = choose ? agentClassificationSchema(agents) : classificationSchema;
    const structured = model.withStructuredOutput(schema, { name: "route_task", includeRaw: true });
    const result = await structured.invoke(
      [
        { role: "system", content: choose ? agentPrompt(agents) : CLASSIFIER_PROMPT },
        { role: "user", content: task },
      ],
      { signal: config.signal, tags: [...(config.tags ?? []), ...INTERNAL_CALL_TAGS], runName: "route_classifier" },
    );
    const parsed = (schema as typeof classificationSchema).extend({ agent: z.string().optional() }).safeParse(result.parsed);
    if (!parsed.success) return undefined;
    const choice = parsed.data.agent;
    const agent = choice && agents.some((a) => a.name === choice) ? choice : undefined;
    const plan = options.allowPlan === true && choice === PLAN_CHOICE;
    const raw = result.raw as { usage_metadata?: { input_tokens: number; output_tokens: number; total_tokens: number }; response_metadata?: { provider?: string } };
    const u = raw.usage_metadata;
    return {
      tier: parsed.data.tier,
      agent,
      plan,
      reason: `classifier: ${parsed.data.reason.slice(0, 300)}`,
      source: "classifier",
      usage: u ? { input: u.input_tokens, output: u.output_tokens, total: u.total_tokens } : undefined,
      provider: raw.response_metadata?.provider,
      call: callRecord(result.raw as BaseMessage),
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
