/** What the orchestrator's nodes are built from: plain values, resolved before the graph is. */
import type { BaseMessage } from "@langchain/core/messages";
import type { StructuredToolInterface } from "@langchain/core/tools";
import type { ApprovalRecord } from "../../agents/middleware/approvals.js";
import { declaredApprovals, selectTools } from "../../agents/tools/index.js";
import type { Logger } from "../../src/logging/index.js";
import type { ApprovalPolicy } from "../../src/policy/agent_config.js";
import type { ProviderRegistry } from "../../src/providers/index.js";
import type { RoutingConfig } from "../../src/policy/routing_rules.js";
import type { Policy } from "../../src/policy/policy.js";
import type { Tier } from "../../src/providers/types.js";
import type { ModelPricer } from "../../src/providers/model_prices.js";
import type { BudgetConfig } from "../../src/policy/budget_config.js";
import type { UsageLedger } from "../../src/usage/index.js";
import { usageSummary, type Pricing, type UsageByTier } from "./cost.js";
import type { FailureInfo, UsageEvent, UsageSummary } from "./events.js";
import type { Roster, RosterMember } from "./roster.js";
import type { RunResult } from "./state.js";

/** What one attempt of an agent on one tier came to (nodes/agent.ts makes it). */
export type AttemptOutcome =
  | {
      ok: true;
      /** This attempt's own messages. */
      produced: BaseMessage[];
      /** What goes into the thread's messages: `produced`, or the whole summarised conversation. */
      written: BaseMessage[];
      result: RunResult;
      spent: UsageByTier;
      approvals: ApprovalRecord[];
    }
  | { ok: false; failure: FailureInfo; spent: UsageByTier; streamedText: boolean; provider: string };

/** Dependencies of every node. */
export interface OrchestratorDeps {
  registry: ProviderRegistry;
  /** True while the registry talks to the local emulator's simulated model (read per run: a server may retire the emulator). */
  simulated: () => boolean;
  /** What runs may do: per-tier limits and tools, plan settings, MCP servers (routing, agents and approvals are resolved below). */
  policy: Policy;
  routing: RoutingConfig;
  /** Every tool by name; each tier uses the subset its config allows. */
  tools: Readonly<Record<string, StructuredToolInterface | undefined>>;
  /** The tier agents and the specialists. */
  roster: Roster;
  /** Top-level approval policy (tiers and specialists override it per tool). */
  approvals: ApprovalPolicy;
  logger: Logger;
  /** Prices each call by the model that answered it; `ready()` loads the price table (awaited before pricing). */
  pricing: Pricing & { ready(): Promise<void> };
  /** Where each run's usage is recorded, once, as its `usage` event is emitted; none: nothing is. */
  ledger?: UsageLedger;
  /** The spending limits checked at the start of each run (read per run); they need `ledger`. */
  budgets: () => BudgetConfig | undefined;
}

/** Pricing by `pricer`; a tier as a whole is priced by its first model in line. */
export function pricingOf(registry: ProviderRegistry, pricer: ModelPricer): OrchestratorDeps["pricing"] {
  return {
    ready: () => pricer.load().catch(() => undefined),
    call: (tier, call) => (call.usage ? pricer.cost(tier, call.provider, call.model, call.usage) : undefined),
    tier: (tier, tokens) => {
      const [first] = registry.candidates(tier);
      return pricer.cost(tier, first?.provider ?? "gateway", first?.model ?? registry.modelId("gateway", tier), tokens);
    },
  };
}

/** The tools `member` gets on `tier`: a specialist's own tool objects and toolbox names, else the tier's allowlist. */
export function toolsOf(deps: OrchestratorDeps, member: RosterMember, tier: Tier): StructuredToolInterface[] {
  if (member.spec) return [...selectTools(deps.tools, member.spec.tools), ...(member.spec.ownTools ?? [])];
  const allowed = deps.policy.tiers[tier].tools;
  return selectTools(deps.tools, allowed.includes("*") ? undefined : allowed);
}

/** The gateway model first in line for `tier` (a fallback shows in the final answer event). */
export function modelOf(deps: OrchestratorDeps, tier: Tier): string {
  const [first] = deps.registry.candidates(tier);
  return first ? first.model : deps.registry.modelId("gateway", tier);
}

/** Tokens and cost of `usage`, each call priced by its model. */
export function usageReport(deps: OrchestratorDeps, usage: UsageByTier): UsageSummary {
  return usageSummary(usage, deps.pricing);
}

/** The usage event: this run's figures, and the thread's. */
export function usageEvent(deps: OrchestratorDeps, run: UsageByTier, thread: UsageByTier): UsageEvent {
  return { type: "usage", ...usageReport(deps, run), thread: usageReport(deps, thread) };
}

/**
 * The approval policy of `member` on `tier`, for the tools it has: what each tool declares on
 * itself (`requireApproval`), then the top-level policy, the tier's and the specialist's, each
 * overriding the one before per tool.
 */
export function approvalPolicyOf(deps: OrchestratorDeps, member: RosterMember, tier: Tier, tools: readonly StructuredToolInterface[]): ApprovalPolicy {
  const merged = { ...declaredApprovals(tools), ...deps.approvals, ...deps.policy.tiers[tier].approvals, ...member.spec?.approvals };
  const names = tools.map((t) => t.name);
  return Object.fromEntries(Object.entries(merged).filter(([tool]) => names.includes(tool)));
}
