/** What the orchestrator's nodes are built from: plain values, resolved before the graph is. */
import type { StructuredToolInterface } from "@langchain/core/tools";
import type { Logger } from "../../src/logging/index.js";
import type { ProviderRegistry } from "../../src/providers/index.js";
import type { RoutingConfig } from "../../src/providers/routing_rules.js";
import type { TierConfig } from "../../src/providers/tier_config.js";
import type { Tier } from "../../src/providers/types.js";
import { usageSummary, type UsageByTier } from "./cost.js";
import type { UsageEvent } from "./events.js";

/** Dependencies of every node. */
export interface OrchestratorDeps {
  registry: ProviderRegistry;
  /** True while the registry talks to the local emulator's simulated model (read per run: a server may retire the emulator). */
  simulated: () => boolean;
  tierConfig: TierConfig;
  routing: RoutingConfig;
  /** Every tool by name; each tier uses the subset its config allows. */
  tools: Readonly<Record<string, StructuredToolInterface | undefined>>;
  logger: Logger;
}

/** The gateway model first in line for `tier` (a fallback shows in the final answer event). */
export function modelOf(deps: OrchestratorDeps, tier: Tier): string {
  const [first] = deps.registry.candidates(tier);
  return first ? first.model : deps.registry.modelId("gateway", tier);
}

/** The usage event: this run's figures, and the thread's. */
export function usageEvent(deps: OrchestratorDeps, run: UsageByTier, thread: UsageByTier): UsageEvent {
  const t = deps.tierConfig.tiers;
  const prices = { fast: t.fast.prices, standard: t.standard.prices, premium: t.premium.prices };
  return { type: "usage", ...usageSummary(run, prices), thread: usageSummary(thread, prices) };
}
