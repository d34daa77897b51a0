/**
 * The model calls of one run, kept outside the graph as they happen, so that a run which never
 * reaches its `usage` event (aborted by its caller, stopped by a newer run, failed unexpectedly)
 * still has what it spent written to the usage ledger: otherwise a client that hangs up once the
 * answer has streamed would spend without limit. The host of the run (the run service) puts one
 * in the run's `configurable` and calls `settle()` when the run ends; agent attempts, the
 * classifier, the planner and the synthesizer report their calls to it, and the graph binds it to
 * its ledger and takes it when it writes the run's usage itself, so a run is recorded once.
 */
import { randomUUID } from "node:crypto";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { entriesOf, type UsageLedger } from "../../src/usage/index.js";
import { readRunSettings } from "./configuration.js";
import type { ModelCallRecord } from "../../agents/middleware/model_calls.js";
import type { Tier } from "../../src/providers/types.js";
import { addUsage, usageOfCalls, usageSummary, type UsageByTier } from "./cost.js";
import type { OrchestratorDeps } from "./deps.js";
import type { UsageSummary } from "./events.js";

/** Key of the run's spend in `configurable` (an object: LangGraph copies only scalar keys into metadata). */
export const RUN_SPEND_KEY = "ai_gateway_run_spend";

/** What a run's ledger rows are keyed by. */
export interface LedgerKey {
  runId?: string;
  threadId?: string;
  tenant?: string;
  user?: string;
}

/** The ledger key of the run `config` belongs to (the run id is the graph's, kept in its state). */
export function ledgerKeyOf(config: LangGraphRunnableConfig, runId?: string): LedgerKey {
  const { tenant, user } = readRunSettings(config);
  const threadId = config.configurable?.thread_id;
  return { ...(runId !== undefined ? { runId } : {}), ...(typeof threadId === "string" ? { threadId } : {}), tenant, user };
}

/** The calls of a run so far. */
export class RunSpend {
  private readonly calls: { tier: Tier; call: ModelCallRecord }[] = [];
  private pricing?: OrchestratorDeps["pricing"];
  private ledger?: UsageLedger;
  private key: LedgerKey = {};
  private taken = false;

  /** Where the graph records this run: its ledger and the run's key (the graph sets them as it runs). */
  bind(ledger: UsageLedger | undefined, key: LedgerKey): void {
    this.ledger ??= ledger;
    this.key = { ...this.key, ...key };
  }

  /** Claims the run's ledger rows: true for the first caller only, so a run's usage is written once. */
  take(): boolean {
    if (this.taken) return false;
    this.taken = true;
    return true;
  }

  /**
   * Writes the calls so far to the graph's ledger, unless the run's usage was written already:
   * for a run that ended (aborted, stopped, failed) before its usage event. Never throws.
   */
  async settle(): Promise<void> {
    const ledger = this.ledger;
    if (!ledger || this.calls.length === 0 || !this.take()) return;
    const perTier = await this.perTier().catch(() => undefined);
    if (perTier) await ledger.append(entriesOf(perTier, { at: Date.now(), ...this.key, runId: this.key.runId ?? randomUUID() })).catch(() => undefined);
  }

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
export function callUsage(config: LangGraphRunnableConfig, deps: Pick<OrchestratorDeps, "pricing" | "ledger">, tier: Tier, call: ModelCallRecord): UsageByTier {
  spendOf(config, deps)?.add(tier, call, deps.pricing);
  return usageOfCalls(tier, [call], deps.pricing);
}

/** The run's spend in `config`, bound to the graph's ledger and the run's key; undefined when the host keeps none. */
export function spendOf(config: LangGraphRunnableConfig, deps: Pick<OrchestratorDeps, "ledger">, runId?: string): RunSpend | undefined {
  const spend = runSpendOf(config);
  spend?.bind(deps.ledger, ledgerKeyOf(config, runId));
  return spend;
}

/** The run's spend in `config`, if the run's host keeps one. */
export function runSpendOf(config: LangGraphRunnableConfig | undefined): RunSpend | undefined {
  const value = config?.configurable?.[RUN_SPEND_KEY];
  return value instanceof RunSpend ? value : undefined;
}
