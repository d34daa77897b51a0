/** Usage ledger and budgets: per-tenant and per-user spend, kept in the checkpoint database. */
export { entriesOf, memoryLedger, postgresLedger, sqliteLedger, USAGE_GROUPS, utcDay, type UsageEntry, type UsageFilter, type UsageGroup, type UsageLedger, type UsageTotals } from "./ledger.js";
export { checkBudget, hasBudget, type BudgetConfig, type BudgetLimits, type BudgetStanding, type BudgetVerdict, type Principal } from "./budgets.js";
export { parseUsageQuery, UsageQueryError, type UsageQuery, type UsageQueryInput } from "./query.js";
