/**
 * The policy of a process: what a run may do. Per tier, how many steps an agent may take, how
 * much of the thread it sees, which tools it may call and its system prompt; the specialist
 * agents, routing rules, approvals, plan route, MCP servers and budgets. Built from the tiers
 * file (tier_config.ts) and handed to the orchestrator next to the provider registry, which only
 * knows which models answer.
 */
import type { PerTier, Tier } from "../providers/types.js";
import type { AgentSpec, ApprovalPolicy } from "./agent_config.js";
import { resolveBudgets, type BudgetConfig } from "./budget_config.js";
import type { McpServers } from "./mcp_config.js";
import { resolveRouting, type RoutingConfig } from "./routing_rules.js";

/** What agents of one tier may do. */
export interface TierPolicy {
  /** Most agent steps (model calls) one task may take in this tier. */
  maxSteps: number;
  /**
   * Token budget of the conversation sent to this tier's model (counted approximately, about 4
   * characters a token). A longer thread has its older part summarised by the fast tier first,
   * keeping the newest half of the budget word for word; 0 turns summarising off.
   */
  contextTokens: number;
  /** Tool names agents of this tier may use; "*" allows every tool. */
  tools: string[];
  /** Replaces the agent's built-in system prompt when set. */
  systemPrompt?: string;
  /** Approval policy of this tier's tools; overrides the top-level policy per tool. */
  approvals?: ApprovalPolicy;
}

/** Settings of the plan route: the planner, the fan-out's bounds and the synthesizer. */
export interface PlanSettings {
  /** Most subtasks one plan may have. */
  maxSubtasks: number;
  /** Most subtasks that run at once. */
  maxParallel: number;
  /** Wall-clock budget of the subtasks, from the plan's creation (ms). */
  timeoutMs: number;
  /** Tier of the planner's model call. */
  plannerTier: Tier;
  /** Tier of the model call that combines the results. */
  synthesizerTier: Tier;
}

/** Everything that decides what a run may do; `createOrchestrator({ registry, policy })` applies it. */
export interface Policy {
  /** Limits, tool allowlist, prompt and approvals per tier. */
  tiers: PerTier<TierPolicy>;
  /** Routing rules and classifier switch, with the built-in rules when the file sets none. */
  routing: RoutingConfig;
  /** Specialist agents declared in the file's `agents:` section (none: the three tier agents only). */
  agents: AgentSpec[];
  /** Top-level approval policy: applies to every agent unless a tier or agent overrides a tool. */
  approvals: ApprovalPolicy;
  /** How composite tasks are planned and fanned out. */
  plan: PlanSettings;
  /** MCP servers whose tools join the toolbox (`mcp.servers`). */
  mcp: McpServers;
  /** Spending limits per tenant and user (`budgets:`); none when the file sets none. */
  budgets: BudgetConfig;
  /** The file the policy was read from, when there was one. */
  file?: string;
}

/** Defaults of the plan route. */
export const DEFAULT_PLAN_SETTINGS: Readonly<PlanSettings> = { maxSubtasks: 6, maxParallel: 4, timeoutMs: 120_000, plannerTier: "standard", synthesizerTier: "standard" };

/** Built-in policy of each tier. */
export const DEFAULT_TIER_POLICY: Readonly<PerTier<TierPolicy>> = {
  fast: { maxSteps: 4, contextTokens: 32_000, tools: ["*"] },
  standard: { maxSteps: 8, contextTokens: 64_000, tools: ["*"] },
  premium: { maxSteps: 16, contextTokens: 128_000, tools: ["*"] },
};

/** The built-in policy: tier agents only, built-in routing rules, no approvals, MCP servers or budgets. */
export function defaultPolicy(): Policy {
  return {
    tiers: structuredClone(DEFAULT_TIER_POLICY) as PerTier<TierPolicy>,
    routing: resolveRouting(),
    agents: [],
    approvals: {},
    plan: { ...DEFAULT_PLAN_SETTINGS },
    mcp: {},
    budgets: resolveBudgets(undefined),
  };
}

/** Whether a tier allows the tool `name`. */
export function isToolAllowed(settings: Pick<TierPolicy, "tools">, name: string): boolean {
  return settings.tools.includes("*") || settings.tools.includes(name);
}
