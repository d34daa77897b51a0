/**
 * A run's spending, as the graph applies it wherever it runs (the run service, `langgraph dev`,
 * LangGraph Server, a plain `graph.invoke`): the budget check of the run context's tenant and user
 * when the run starts (the router) and when it resumes after a pause (the approvals' resume check),
 * and the ledger rows written once, where the run's `usage` event is emitted. Both need the graph's `ledger` (and `budgets` for the check).
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { PRINCIPAL_NAME } from "../../src/policy/budget_config.js";
import { checkBudget, entriesOf, hasBudget, type BudgetVerdict, type Principal } from "../../src/usage/index.js";
import type { Tier } from "../../src/providers/types.js";
import type { UsageByTier } from "./cost.js";
import { usageEvent, type OrchestratorDeps } from "./deps.js";
import { BudgetExceededError, OrchestratorInputError } from "./errors.js";
import type { BudgetEvent, CustomStepEvent } from "./events.js";
import { readRunSettings } from "./configuration.js";
import { ledgerKeyOf, spendOf } from "./run_spend.js";

const validName = (value: string | undefined, key: "user" | "tenant"): string | undefined => {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !PRINCIPAL_NAME.test(value)) {
    throw new OrchestratorInputError(`${key} must be 1 to 128 letters, digits or _ . @ : - (starting with a letter or digit).`);
  }
  return value;
};

/** Who the run is for, checked: an OrchestratorInputError names a bad user or tenant. */
export function principalOf(options: { user?: string; tenant?: string }): Principal {
  return { tenant: validName(options.tenant, "tenant"), user: validName(options.user, "user") };
}

/** The budget event of a verdict that changes the run. */
function budgetEvent(verdict: Exclude<BudgetVerdict, { action: "allow" }>): BudgetEvent {
  const { scope, name, period, spentUsd, limitUsd } = verdict;
  const spent = `$${spentUsd.toFixed(4)} of the ${period} $${limitUsd.toFixed(2)} budget of ${scope} ${name}`;
  const base = { type: "budget" as const, scope, name, period, spentUsd, limitUsd, resetsAt: new Date(verdict.resetsAt).toISOString() };
  return verdict.action === "refuse"
    ? { ...base, action: "refused", reason: `${spent} is spent: the run is refused.` }
    : { ...base, action: "downgraded", maxTier: verdict.maxTier, reason: `${spent} is spent: the run may use at most the ${verdict.maxTier} tier.` };
}

/**
 * Set in a run's `configurable` by a host that checked the budgets itself before the run (the run
 * service does, so that a refused run writes nothing to its thread and a resumed run is checked
 * too); the router then takes the host's cap from the run context instead of checking again.
 */
export const BUDGET_CHECKED_KEY = "ai_gateway_budget_checked";

/** The ledger and budgets each compiled orchestrator graph was built with. */
const spendingByGraph = new WeakMap<object, Pick<OrchestratorDeps, "ledger" | "budgets">>();

/** Notes what `graph` checks budgets in (createOrchestrator does, once). */
export function noteGraphSpending(graph: object, deps: Pick<OrchestratorDeps, "ledger" | "budgets">): void {
  spendingByGraph.set(graph, deps);
}

/** The ledger and budgets of a graph made by createOrchestrator, for a host that checks before running it. */
export function graphSpending(graph: object): Pick<OrchestratorDeps, "ledger" | "budgets"> | undefined {
  return spendingByGraph.get(graph);
}

/**
 * Checks the budgets of `who` at the start of a run. A limit near its end emits a `budget` event
 * and returns the tier cap for the rest of the run; a limit used up emits the event and throws
 * BudgetExceededError (surfaces answer it as 429). Without a ledger or budgets, nothing applies.
 */
export async function budgetCap(deps: Pick<OrchestratorDeps, "ledger" | "budgets">, who: Principal, emit: (e: CustomStepEvent) => void): Promise<Tier | undefined> {
  const budgets = deps.budgets();
  if (!deps.ledger || !budgets || !hasBudget(budgets, who)) return undefined;
  const verdict = await checkBudget(deps.ledger, budgets, who);
  if (verdict.action === "allow") return undefined;
  emit(budgetEvent(verdict));
  if (verdict.action === "refuse") throw new BudgetExceededError(verdict);
  return verdict.maxTier;
}

/**
 * Checks the budgets of `who` when a paused run is resumed: a limit used up emits the `budget`
 * event and throws BudgetExceededError before the answer is recorded, so the approval stays
 * pending. A limit near its end changes nothing: the run goes on on the tier it paused on. Skipped
 * when the host checked before the run (BUDGET_CHECKED_KEY).
 */
export async function checkResumeBudget(
  deps: Pick<OrchestratorDeps, "ledger" | "budgets">,
  config: LangGraphRunnableConfig,
  emit: (e: CustomStepEvent) => void,
): Promise<void> {
  if (config.configurable?.[BUDGET_CHECKED_KEY] === true) return;
  const { tenant, user } = readRunSettings(config);
  // The start-of-run check, of which only a refusal matters here: it throws after its event.
  await budgetCap(deps, { tenant, user }, (e) => {
    if (e.type === "budget" && e.action === "refused") emit(e);
  });
}

/**
 * Emits the run's `usage` event (this run's figures and the thread's), its ledger rows written
 * first, keyed by (tenant, user, thread, run): a caller that stops reading at the event loses
 * nothing. The rows are written once per run: the run's spend (when its host keeps one) is taken,
 * so the host does not write it again.
 */
export async function reportUsage(deps: OrchestratorDeps, config: LangGraphRunnableConfig, runId: string, run: UsageByTier, thread: UsageByTier): Promise<void> {
  const event = usageEvent(deps, run, thread);
  if (deps.ledger) {
    const spend = spendOf(config, deps, runId);
    if (!spend || spend.take()) await deps.ledger.append(entriesOf(event.perTier, { at: Date.now(), runId, ...ledgerKeyOf(config) }));
  }
  config.writer?.(event satisfies CustomStepEvent);
}
