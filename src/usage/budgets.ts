/**
 * Budget checks before a run: how much of each limit that applies (the tenant's and the user's,
 * daily and monthly) the ledger says is spent. From `downgradeAt` of a limit the run may use at
 * most the standard tier, from halfway between that and the limit at most the fast tier, and at
 * the limit it is refused. The tightest limit decides. Runs that are in flight are not counted
 * until they end, so concurrent runs can overshoot a limit by what they spend.
 */
import type { Tier } from "../providers/types.js";
import { monthStart, type UsageLedger } from "./ledger.js";

/** Limits of one tenant or user. */
export interface BudgetLimits {
  /** USD per UTC day. */
  daily?: number;
  /** USD per calendar month (UTC). */
  monthly?: number;
}

/** Spending limits per tenant and user: the tiers file's `budgets:` section as src/policy resolves it. */
export interface BudgetConfig {
  /** Share of a limit from which runs are downgraded (premium → standard; halfway to the limit, → fast). */
  downgradeAt: number;
  /** Limits per tenant name; "*" for any other tenant. */
  tenants: Record<string, BudgetLimits>;
  /** Limits per user id; "*" for any other user. */
  users: Record<string, BudgetLimits>;
}

/** Names of tenants and users: what the API, the CLI and the ledger accept. */
export const PRINCIPAL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.@:-]{0,127}$/;

/** Who a run is for. */
export interface Principal {
  tenant?: string;
  user?: string;
}

/** The limit that decided, and how much of it is spent. */
export interface BudgetStanding {
  scope: "tenant" | "user";
  /** The tenant or user name. */
  name: string;
  period: "daily" | "monthly";
  spentUsd: number;
  limitUsd: number;
  /** When the period ends and the limit resets (ms since the epoch). */
  resetsAt: number;
}

/** What the budgets allow a run. */
export type BudgetVerdict =
  | { action: "allow" }
  | ({ action: "downgrade"; maxTier: Exclude<Tier, "premium"> } & BudgetStanding)
  | ({ action: "refuse" } & BudgetStanding);

const startOfDay = (now: number) => {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
};
const startOfMonth = (now: number) => monthStart(now);
const nextMonth = (now: number) => monthStart(now, 1);

/** The limits of `name` in `table`: its own entry, else the "*" entry. */
const limitsOf = (table: Record<string, BudgetLimits>, name: string | undefined): BudgetLimits | undefined => (name === undefined ? undefined : (table[name] ?? table["*"]));

/** Whether any limit could apply to `who` (so a run without one never reads the ledger). */
export function hasBudget(budgets: BudgetConfig, who: Principal): boolean {
  return limitsOf(budgets.tenants, who.tenant) !== undefined || limitsOf(budgets.users, who.user) !== undefined;
}

/** Checks `who` against `budgets` with the ledger's sums as of `now`. */
export async function checkBudget(ledger: UsageLedger, budgets: BudgetConfig, who: Principal, now = Date.now()): Promise<BudgetVerdict> {
  const checks: Promise<BudgetStanding>[] = [];
  for (const scope of ["tenant", "user"] as const) {
    const name = who[scope];
    const limits = limitsOf(scope === "tenant" ? budgets.tenants : budgets.users, name);
    if (!limits || name === undefined) continue;
    for (const period of ["daily", "monthly"] as const) {
      const limitUsd = limits[period];
      if (limitUsd === undefined) continue;
      const since = period === "daily" ? startOfDay(now) : startOfMonth(now);
      const resetsAt = period === "daily" ? since + 86_400_000 : nextMonth(now);
      // A user is a user of their tenant: alice of one tenant never spends another tenant's alice's budget.
      const filter = scope === "tenant" ? { tenant: name } : { tenant: who.tenant ?? "", user: name };
      checks.push(ledger.spent({ ...filter, since }).then((spentUsd) => ({ scope, name, period, spentUsd, limitUsd, resetsAt })));
    }
  }
  const standings = await Promise.all(checks);
  if (standings.length === 0) return { action: "allow" };
  const tightest = standings.reduce((a, b) => (b.spentUsd / b.limitUsd > a.spentUsd / a.limitUsd ? b : a));
  const share = tightest.spentUsd / tightest.limitUsd;
  const standing = { ...tightest, spentUsd: Math.round(tightest.spentUsd * 1e6) / 1e6 };
  if (share >= 1) return { action: "refuse", ...standing };
  if (share >= budgets.downgradeAt + (1 - budgets.downgradeAt) / 2) return { action: "downgrade", maxTier: "fast", ...standing };
  if (share >= budgets.downgradeAt) return { action: "downgrade", maxTier: "standard", ...standing };
  return { action: "allow" };
}
