/**
 * Definitions of specialist agents and tool-approval policies: the schema of the `agents:` and
 * `approvals:` sections of the tiers file, shared with `defineAgent` (agents/define_agent.ts)
 * so an agent declared in YAML and one declared in code are checked by the same rules. They
 * are policy, so the tiers file is validated against them at startup.
 */
import { z } from "zod";
import { TIERS, type Tier } from "../providers/types.js";

/** What a person may do with a tool call that needs approval. */
export const APPROVAL_DECISIONS = ["approve", "edit", "reject"] as const;

/** One approval decision. */
export type ApprovalDecision = (typeof APPROVAL_DECISIONS)[number];

/** Tool name -> the decisions a person may take on its calls; a tool not listed runs without approval. */
export type ApprovalPolicy = Readonly<Record<string, readonly ApprovalDecision[]>>;

/** Names the orchestrator uses for its own nodes, routes and classifier choices. */
export const RESERVED_AGENT_NAMES = ["router", "fail", "planner", "dispatch", "synthesizer", "general", "plan", "auto", ...TIERS.map((t) => `${t}_agent`)];

/** Most specialists one configuration may declare. */
export const MAX_AGENTS = 32;

const AGENT_NAME = /^[a-z][a-z0-9_]{0,39}$/;
const TOOL_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

const tierEnum = z.enum(TIERS as [Tier, ...Tier[]], { error: `must be one of ${TIERS.join(", ")}` });
const typeError = (message: string) => (issue: { code: string }) => (issue.code === "invalid_type" ? message : undefined);

/** A specialist's name: lower case, digits and `_`, not one of the orchestrator's own names. */
export const agentNameSchema = z
  .string({ error: "must be a name such as researcher" })
  .regex(AGENT_NAME, { error: "must start with a lower-case letter and hold only a-z, 0-9 and _ (at most 40 characters)" })
  .refine((n) => !RESERVED_AGENT_NAMES.includes(n), { error: `is reserved (${RESERVED_AGENT_NAMES.join(", ")})` });

const toolNameSchema = z.string({ error: "must be a tool name" }).regex(TOOL_NAME, { error: "must be a tool name (letters, digits, _ . -)" });

/** `{ <tool>: ["approve", "edit", "reject"] }`: which decisions a person may take on each tool's calls. */
export const approvalPolicySchema = z.record(
  toolNameSchema,
  z
    .array(z.enum(APPROVAL_DECISIONS, { error: `must be one of ${APPROVAL_DECISIONS.join(", ")}` }), { error: typeError('must be a list of decisions, e.g. ["approve", "reject"]') })
    .min(1, { error: 'must allow at least one decision, e.g. ["approve", "reject"]' })
    .refine((d) => new Set(d).size === d.length, { error: "must not repeat a decision" }),
  { error: typeError('must map tool names to decisions, e.g. { http_get: ["approve", "reject"] }') },
);

/** The fields of one specialist (the name is the key in the file, a field in code). */
export const agentFieldsSchema = z
  .strictObject(
    {
      /** What the agent is for; the classifier reads it to pick the agent. */
      description: z.string({ error: "must be text saying what the agent is for" }).trim().min(1, { error: "must say what the agent is for" }).max(1_000, { error: "must be at most 1000 characters" }),
      /** Toolbox tool names the agent may call (default none). */
      tools: z.array(toolNameSchema, { error: typeError("must be a list of tool names") }).max(64, { error: "must list at most 64 tools" }).optional(),
      /** Replaces the tier's system prompt. */
      systemPrompt: z.string({ error: "must be text" }).max(20_000, { error: "must be at most 20000 characters" }).optional(),
      /** The one tier the agent runs on (no escalation). */
      tier: tierEnum.optional(),
      /** The tiers the agent may run on, cheapest first; escalation stays within them. */
      tiers: z.array(tierEnum, { error: typeError("must be a list of tiers") }).min(1, { error: "must list at least one tier" }).optional(),
      /** Most model calls per run (default the tier's maxSteps). */
      maxSteps: z.int({ error: "must be a positive integer" }).positive({ error: "must be a positive integer" }).max(100, { error: "must be at most 100" }).optional(),
      /** Approval policy for this agent's tools; overrides the top-level and tier policies per tool. */
      approvals: approvalPolicySchema.optional(),
    },
    { error: typeError("must be an agent: an object with a description") },
  )
  .refine((a) => !(a.tier && a.tiers), { error: "give either tier or tiers, not both" });

/** The file's `agents:` section: name -> fields. */
export const agentsSectionSchema = z
  .record(agentNameSchema, agentFieldsSchema, { error: typeError("must map agent names to agents, e.g. { researcher: { description: ... } }") })
  .refine((a) => Object.keys(a).length <= MAX_AGENTS, { error: `must declare at most ${MAX_AGENTS} agents` });

/** A specialist as declared (file or code). */
export type AgentFields = z.infer<typeof agentFieldsSchema>;

/** A validated specialist: name, description, tools and the tiers it runs on. */
export interface AgentSpec {
  readonly name: string;
  readonly description: string;
  readonly tools: readonly string[];
  readonly systemPrompt?: string;
  /** Tiers the agent may run on, cheapest first (never empty). */
  readonly tiers: readonly Tier[];
  readonly maxSteps?: number;
  readonly approvals?: ApprovalPolicy;
}

/** The spec of `name` from declared fields; `defaultTier` is used when neither tier nor tiers is given. */
export function toAgentSpec(name: string, fields: AgentFields): AgentSpec {
  const tiers = fields.tier ? [fields.tier] : fields.tiers ? TIERS.filter((t) => fields.tiers!.includes(t)) : [...TIERS];
  return Object.freeze({
    name,
    description: fields.description,
    tools: Object.freeze([...(fields.tools ?? [])]),
    systemPrompt: fields.systemPrompt,
    tiers: Object.freeze(tiers),
    maxSteps: fields.maxSteps,
    approvals: fields.approvals ? Object.freeze({ ...fields.approvals }) : undefined,
  });
}

/** The first of an agent's tiers that is `preferred` or above it, else its highest tier. */
export function clampTier(tiers: readonly Tier[], preferred: Tier): Tier {
  const rank = TIERS.indexOf(preferred);
  return tiers.find((t) => TIERS.indexOf(t) >= rank) ?? tiers[tiers.length - 1];
}
