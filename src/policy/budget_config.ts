/**
 * The `budgets:` section of the TIERS_CONFIG file: spending limits in USD per tenant and per
 * user, per UTC day and per calendar month (UTC). `"*"` gives every tenant (or user) without an
 * entry of its own that limit. Enforcement is in src/usage/budgets.ts.
 *
 * ```yaml
 * budgets:
 *   downgradeAt: 0.8          # from 80% of a limit, premium runs on standard; from 90%, on fast
 *   tenants:
 *     acme: { daily: 5, monthly: 100 }
 *     "*": { daily: 1 }
 *   users:
 *     alice: { daily: 2 }
 * ```
 */
import { z } from "zod";
import { PRINCIPAL_NAME, type BudgetConfig } from "../usage/budgets.js";

// The shapes are the usage layer's (it enforces them); the file's schema and defaults are policy.
export { PRINCIPAL_NAME, type BudgetConfig, type BudgetLimits } from "../usage/budgets.js";

/** Default share of a limit from which runs are downgraded. */
export const DEFAULT_DOWNGRADE_AT = 0.8;

const usd = z.number({ error: "must be an amount in USD" }).positive({ error: "must be more than 0 (USD)" }).max(1_000_000_000, { error: "must be at most 1000000000 (USD)" });
const limits = z.strictObject({ daily: usd.optional(), monthly: usd.optional() }, { error: "must be an object with daily and/or monthly (USD)" });
const byName = z.record(
  z.string().refine((k) => k === "*" || PRINCIPAL_NAME.test(k), { error: 'must be "*" or a name of letters, digits and _ . @ : - (at most 128 characters)' }),
  limits,
  { error: "must map names to limits" },
);

/** Schema of the `budgets:` section. */
export const budgetsSchema = z.strictObject({
  downgradeAt: z.number({ error: "must be a number" }).min(0.5, { error: "must be between 0.5 and 1" }).max(1, { error: "must be between 0.5 and 1" }).optional(),
  tenants: byName.optional(),
  users: byName.optional(),
});

/** The section with defaults filled in (no section: no limits). */
export function resolveBudgets(input: z.infer<typeof budgetsSchema> | undefined): BudgetConfig {
  return { downgradeAt: input?.downgradeAt ?? DEFAULT_DOWNGRADE_AT, tenants: { ...input?.tenants }, users: { ...input?.users } };
}
