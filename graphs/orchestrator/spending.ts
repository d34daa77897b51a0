/**
 * A run's spending: who it is for (tenant and user), the budget check before it starts, and
 * the ledger rows written when its `usage` event arrives. Used by `streamSteps`, so the CLI,
 * the HTTP API, the MCP server and embedding apps all record and enforce the same way.
 */
import { randomUUID } from "node:crypto";
import { PRINCIPAL_NAME, type BudgetConfig } from "../../src/providers/budget_config.js";
import { checkBudget, entriesOf, hasBudget, type BudgetVerdict, type Principal, type UsageLedger } from "../../src/usage/index.js";
import type { Tier } from "../../src/providers/types.js";
import { BudgetExceededError, OrchestratorInputError } from "./errors.js";
import type { BudgetEvent, StepEvent } from "./events.js";
import { RUN_SPEND_KEY, RunSpend } from "./run_spend.js";

/** What `streamSteps` takes for spending. */
export interface SpendingOptions {
  threadId?: string;
  /** The user the run is for (letters, digits and _ . @ : -, at most 128 characters). */
  user?: string;
  /** The tenant the run is for (the same characters). */
  tenant?: string;
  /** Where the run's usage is recorded (`createCheckpointer().ledger`). */
  ledger?: UsageLedger;
  /** Spending limits (the tier config's `budgets`); they are checked in `ledger`. */
  budgets?: BudgetConfig;
}

/** The outcome of the check: events to show, the tier cap, or the refusal. */
export interface SpendingPlan {
  events: BudgetEvent[];
  maxTier?: Tier;
  refused?: BudgetExceededError;
  /**
   * Passes `steps` through, appending the ledger rows of the run's usage event; a run that is
   * aborted or fails before that event has the calls it made so far appended instead.
   */
  record(steps: AsyncIterable<StepEvent>): AsyncGenerator<StepEvent>;
  /** Keys the run's `configurable` needs for `record` (the run's spend). */
  configurable: Record<string, unknown>;
}

const validName = (value: string | undefined, key: "user" | "tenant"): string | undefined => {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !PRINCIPAL_NAME.test(value)) {
    throw new OrchestratorInputError(`${key} must be 1 to 128 letters, digits or _ . @ : - (starting with a letter or digit).`);
  }
  return value;
};

/** The budget event of a verdict that changes the run. */
function budgetEvent(verdict: Exclude<BudgetVerdict, { action: "allow" }>): BudgetEvent {
  const { scope, name, period, spentUsd, limitUsd } = verdict;
  const spent = `$${spentUsd.toFixed(4)} of the ${period} $${limitUsd.toFixed(2)} budget of ${scope} ${name}`;
  const base = { type: "budget" as const, scope, name, period, spentUsd, limitUsd, resetsAt: new Date(verdict.resetsAt).toISOString() };
  return verdict.action === "refuse"
    ? { ...base, action: "refused", reason: `${spent} is spent: the run is refused.` }
    : { ...base, action: "downgraded", maxTier: verdict.maxTier, reason: `${spent} is spent: the run may use at most the ${verdict.maxTier} tier.` };
}

/** Who the run is for, checked: an OrchestratorInputError names a bad user or tenant. */
export function principalOf(options: Pick<SpendingOptions, "user" | "tenant">): Principal {
  return { tenant: validName(options.tenant, "tenant"), user: validName(options.user, "user") };
}

/** Checks the budgets of `who` and says how to record the run's usage. */
export async function planSpending(options: SpendingOptions, who: Principal): Promise<SpendingPlan> {
  const { ledger, budgets } = options;
  const spend = ledger ? new RunSpend() : undefined;
  const plan: SpendingPlan = { events: [], record: (steps) => recordUsage(steps, ledger, who, options.threadId, spend), configurable: spend ? { [RUN_SPEND_KEY]: spend } : {} };
  if (!ledger || !budgets || !hasBudget(budgets, who)) return plan;
  const verdict = await checkBudget(ledger, budgets, who);
  if (verdict.action === "allow") return plan;
  plan.events.push(budgetEvent(verdict));
  if (verdict.action === "refuse") plan.refused = new BudgetExceededError(verdict);
  else plan.maxTier = verdict.maxTier;
  return plan;
}

async function* recordUsage(steps: AsyncIterable<StepEvent>, ledger: UsageLedger | undefined, who: Principal, threadId: string | undefined, spend: RunSpend | undefined): AsyncGenerator<StepEvent> {
  const runId = randomUUID();
  const entry = () => ({ at: Date.now(), runId, threadId, ...who });
  // "pending" until the usage event is written, or the steps end without one (a run paused for a
  // person: its calls are counted by the run that resumes it).
  let state: "pending" | "recorded" | "paused" = "pending";
  try {
    for await (const event of steps) {
      // Written before the event is passed on: a caller that stops reading at the usage event loses nothing.
      if (ledger && event.type === "usage") {
        await ledger.append(entriesOf(event.perTier, entry()));
        state = "recorded";
      }
      yield event;
    }
    if (state === "pending") state = "paused";
  } finally {
    // Aborted, stopped by a newer run, or failed before its usage event: what it spent still counts.
    if (ledger && spend && state === "pending") {
      const perTier = await spend.perTier().catch(() => undefined);
      if (perTier) await ledger.append(entriesOf(perTier, entry())).catch(() => undefined);
    }
  }
}
