/**
 * The usage ledger's sums and groups (SQLite and in-process, which must agree), the budget
 * verdicts at each threshold, and the report parameters' checks.
 */
import Database from "libsql";
import { describe, expect, it } from "vitest";
import { resolveBudgets } from "../../src/policy/budget_config.js";
import { checkBudget, memoryLedger, parseUsageQuery, sqliteLedger, type UsageEntry, type UsageLedger } from "../../src/usage/index.js";

const DAY = Date.UTC(2026, 11, 2, 12);
const entry = (over: Partial<UsageEntry>): UsageEntry => ({ at: DAY, runId: "r1", tier: "fast", inputTokens: 100, outputTokens: 10, calls: 1, costUsd: 0.5, unpriced: false, ...over });
const rows: UsageEntry[] = [
  entry({ runId: "r1", tenant: "acme", user: "alice", tier: "fast", costUsd: 0.25 }),
  entry({ runId: "r1", tenant: "acme", user: "alice", tier: "premium", costUsd: 1, calls: 2 }),
  entry({ runId: "r2", tenant: "acme", user: "bob", tier: "standard", costUsd: 0.5 }),
  entry({ runId: "r3", tenant: "beta", tier: "fast", costUsd: 0.125, unpriced: true, at: DAY - 86_400_000 }),
  entry({ runId: "r4", tier: "fast", costUsd: 2 }),
];

describe.each([
  ["SQLite", () => sqliteLedger(new Database(":memory:"))],
  ["in process", () => memoryLedger()],
])("usage ledger (%s)", (_name, make: () => UsageLedger) => {
  it("sums spend per tenant, user and period", async () => {
    const ledger = make();
    await ledger.append(rows);
    expect(await ledger.spent({ tenant: "acme" })).toBeCloseTo(1.75, 9);
    expect(await ledger.spent({ user: "alice" })).toBeCloseTo(1.25, 9);
    expect(await ledger.spent({ tenant: "beta", since: DAY - 3_600_000 })).toBe(0);
    expect(await ledger.spent({ tenant: "nobody" })).toBe(0);
  });

  it("groups by tenant, user, tier and day; no tenant shows as null", async () => {
    const ledger = make();
    await ledger.append(rows);
    const byTenant = await ledger.report(["tenant"]);
    expect(byTenant.map((g) => [g.tenant, g.runs, g.calls, g.costUsd, g.unpriced])).toEqual([
      [null, 1, 1, 2, false],
      ["acme", 2, 4, 1.75, false],
      ["beta", 1, 1, 0.125, true],
    ]);
    const byTenantTier = await ledger.report(["tenant", "tier"], { tenant: "acme" });
    expect(byTenantTier.map((g) => [g.tenant, g.tier, g.costUsd])).toEqual([
      ["acme", "fast", 0.25],
      ["acme", "premium", 1],
      ["acme", "standard", 0.5],
    ]);
    const byDay = await ledger.report(["day"]);
    expect(byDay.map((g) => [g.day, g.inputTokens])).toEqual([
      ["2026-12-01", 100],
      ["2026-12-02", 400],
    ]);
    expect((await ledger.report(["user"], { since: DAY })).map((g) => g.user)).toEqual([null, "alice", "bob"]);
  });
});

describe("budgets", () => {
  const budgets = resolveBudgets({ downgradeAt: 0.8, tenants: { acme: { daily: 10 }, "*": { daily: 1 } }, users: { alice: { monthly: 100 } } });
  const spentToday = async (usd: number, who: { tenant?: string; user?: string }) => {
    const ledger = memoryLedger();
    await ledger.append([entry({ ...who, costUsd: usd, at: DAY - 1000 })]);
    return checkBudget(ledger, budgets, who, DAY);
  };

  it("allows below downgradeAt, caps at standard from it, at fast from halfway to the limit, refuses at the limit", async () => {
    expect(await spentToday(7.9, { tenant: "acme" })).toEqual({ action: "allow" });
    expect(await spentToday(8, { tenant: "acme" })).toMatchObject({ action: "downgrade", maxTier: "standard", scope: "tenant", name: "acme", period: "daily", limitUsd: 10 });
    expect(await spentToday(9, { tenant: "acme" })).toMatchObject({ action: "downgrade", maxTier: "fast" });
    const refused = await spentToday(10, { tenant: "acme" });
    expect(refused).toMatchObject({ action: "refuse", spentUsd: 10, resetsAt: Date.UTC(2026, 11, 3) });
  });

  it('"*" covers tenants without an entry; a run for nobody is never limited; yesterday does not count', async () => {
    expect(await spentToday(1, { tenant: "other" })).toMatchObject({ action: "refuse", name: "other", limitUsd: 1 });
    expect(await spentToday(1000, {})).toEqual({ action: "allow" });
    const ledger = memoryLedger();
    await ledger.append([entry({ tenant: "acme", costUsd: 50, at: DAY - 86_400_000 })]);
    expect(await checkBudget(ledger, budgets, { tenant: "acme" }, DAY)).toEqual({ action: "allow" });
  });

  it("the tightest limit decides: a user's monthly budget over the tenant's daily one", async () => {
    const ledger = memoryLedger();
    await ledger.append([entry({ tenant: "acme", user: "alice", costUsd: 95, at: Date.UTC(2026, 11, 1) })]);
    expect(await checkBudget(ledger, budgets, { tenant: "acme", user: "alice" }, DAY)).toMatchObject({ action: "downgrade", maxTier: "fast", scope: "user", period: "monthly", resetsAt: Date.UTC(2027, 0, 1) });
  });
});

describe("the in-process ledger", () => {
  it("keeps this month and the one before; older rows go when new ones come", async () => {
    const ledger = memoryLedger();
    const now = Date.now();
    const d = new Date(now);
    const lastMonth = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1) + 1000;
    const old = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 3, 15);
    const row = (at: number, costUsd: number): UsageEntry => ({ at, runId: `r-${at}`, tenant: "acme", tier: "fast", calls: 1, inputTokens: 1, outputTokens: 1, costUsd, unpriced: false });
    await ledger.append([row(old, 1), row(lastMonth, 2)]);
    await ledger.append([row(now, 4)]);
    expect(await ledger.spent({ tenant: "acme" })).toBe(6);
    expect(await ledger.spent({ tenant: "acme", until: lastMonth - 1000 })).toBe(0);
  });
});

describe("usage report parameters", () => {
  it("defaults to grouping by tenant and takes days inclusive", () => {
    expect(parseUsageQuery({})).toEqual({ by: ["tenant"], filter: {} });
    expect(parseUsageQuery({ by: "tier, day", from: "2026-12-01", to: "2026-12-01", tenant: "acme" })).toEqual({
      by: ["tier", "day"],
      filter: { since: Date.UTC(2026, 11, 1), until: Date.UTC(2026, 11, 2), tenant: "acme" },
    });
  });

  it("refuses unknown columns, repeats, bad days and bad names, naming the parameter", () => {
    expect(() => parseUsageQuery({ by: "tenant,cost" })).toThrow(/by: "cost" is not one of tenant, user, tier, day/);
    expect(() => parseUsageQuery({ by: "tier,tier" })).toThrow(/twice/);
    expect(() => parseUsageQuery({ by: "," })).toThrow(/by must name/);
    expect(() => parseUsageQuery({ from: "2026-02-30" })).toThrow(/from must be a day as YYYY-MM-DD/);
    expect(() => parseUsageQuery({ to: "yesterday" })).toThrow(/to must be a day/);
    expect(() => parseUsageQuery({ from: "2026-12-02", to: "2026-12-01" })).toThrow(/to must not be before from/);
    expect(() => parseUsageQuery({ user: "a b" })).toThrow(/user must be/);
    expect(() => parseUsageQuery({ tenant: "x\u0000" })).toThrow(/tenant must be/);
  });
});
