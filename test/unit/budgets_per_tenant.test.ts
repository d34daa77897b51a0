/** A user's budget is kept within their tenant: the same user name under another tenant spends its own. */
import { describe, expect, it } from "vitest";
import { resolveBudgets } from "../../src/policy/budget_config.js";
import { checkBudget, memoryLedger } from "../../src/usage/index.js";

describe("user budgets per tenant", () => {
  it("beta's alice spending does not touch acme's alice, and acme's own spending does", async () => {
    const ledger = memoryLedger();
    const budgets = resolveBudgets({ users: { alice: { daily: 1 } } });
    const row = (tenant: string, costUsd: number) => ({ at: Date.now(), runId: `r-${tenant}-${costUsd}`, tenant, user: "alice", tier: "fast" as const, inputTokens: 0, outputTokens: 0, calls: 1, costUsd, unpriced: false });
    await ledger.append([row("beta", 5)]);
    expect(await checkBudget(ledger, budgets, { tenant: "beta", user: "alice" })).toMatchObject({ action: "refuse", scope: "user", name: "alice" });
    expect(await checkBudget(ledger, budgets, { tenant: "acme", user: "alice" })).toEqual({ action: "allow" });
    // The default tenant's alice is a third one.
    expect(await checkBudget(ledger, budgets, { user: "alice" })).toEqual({ action: "allow" });
    await ledger.append([row("acme", 0.9)]);
    expect(await checkBudget(ledger, budgets, { tenant: "acme", user: "alice" })).toMatchObject({ action: "downgrade", maxTier: "fast" });
  });
});
