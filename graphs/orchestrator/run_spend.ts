/**
 * The model calls of one run, kept outside the graph as they happen, so that a run which never
 * reaches its `usage` event (aborted by its caller, stopped by a newer run, failed unexpectedly)
 * still has what it spent written to the usage ledger: otherwise a client that hangs up once the
 * answer has streamed would spend without limit. `streamSteps` puts one in the run's
 * `configurable` when it records usage; agent attempts, the classifier, the planner and the
 * synthesizer report their calls to it.
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import type { ModelCallRecord } from "../../agents/middleware/model_calls.js";
import type { Tier } from "../../src/providers/types.js";
import { addUsage, usageOfCalls, usageSummary, type UsageByTier } from "./cost.js";
import type { OrchestratorDeps } from "./deps.js";
import type { UsageSummary } from "./events.js";

/** Key of the run's spend in `configurable` (an object: LangGraph copies only scalar keys into metadata). */
export const RUN_SPEND_KEY = "ai_gateway_run_spend";

/** The calls of a run so far. */
export class RunSpend {
  private readonly calls: { tier: Tier; call: ModelCallRecord }[] = [];
  private pricing?: OrchestratorDeps["pricing"];

  /** Notes one call of `tier`, priced later by `pricing`. */
  add(tier: Tier, call: ModelCallRecord, pricing: OrchestratorDeps["pricing"]): void {
    this.calls.push({ tier, call });
    this.pricing = pricing;
  }

  /** The calls so far per tier, priced like a usage event's; undefined when there were none. */
  async perTier(): Promise<UsageSummary["perTier"] | undefined> {
    const pricing = this.pricing;
    if (!pricing || this.calls.length === 0) return undefined;
    await pricing.ready();
    let usage: UsageByTier = {};
    for (const { tier, call } of this.calls) usage = addUsage(usage, usageOfCalls(tier, [call], pricing));
    return usageSummary(usage, pricing).perTier;
  }
}

/**
 * The usage of one internal call (the classifier's, the planner's, the synthesizer's) on `tier`,
 * noted in the run's spend too when the run records one.
 */
export function callUsage(config: LangGraphRunnableConfig, deps: Pick<OrchestratorDeps, "pricing">, tier: Tier, call: ModelCallRecord): UsageByTier {
  runSpendOf(config)?.add(tier, call, deps.pricing);
  return usageOfCalls(tier, [call], deps.pricing);
}

/** The run's spend in `config`, if the run records one. */
export function runSpendOf(config: LangGraphRunnableConfig | undefined): RunSpend | undefined {
  const value = config?.configurable?.[RUN_SPEND_KEY];
  return value instanceof RunSpend ? value : undefined;
}
