/** Usage and cost arithmetic for run reports (pure). */
import type { ModelCallRecord } from "../../agents/middleware/model_calls.js";
import { TIERS, type Tier } from "../../src/providers/types.js";
import type { TokenUsage, UsageSummary } from "./events.js";

/** Prices in USD per million tokens. */
export interface Prices {
  inputPerMillion: number;
  outputPerMillion: number;
}

/** Usage of one tier as kept in state: known tokens, call count, providers that reported nothing. */
export interface TierUsage extends TokenUsage {
  calls: number;
  unknown: string[];
}

/** Usage per tier as kept in the graph state. */
export type UsageByTier = Partial<Record<Tier, TierUsage>>;

const union = (a: string[], b: string[]) => (b.every((x) => a.includes(x)) ? a : [...new Set([...a, ...b])]);

/** Adds two usage records (the thread total's reducer). */
export function addUsage(a: UsageByTier, b: UsageByTier): UsageByTier {
  const out: UsageByTier = { ...a };
  for (const tier of TIERS) {
    const add = b[tier];
    if (!add) continue;
    const cur = out[tier] ?? { input: 0, output: 0, total: 0, calls: 0, unknown: [] };
    out[tier] = {
      input: cur.input + add.input,
      output: cur.output + add.output,
      total: cur.total + add.total,
      calls: cur.calls + add.calls,
      unknown: union(cur.unknown, add.unknown ?? []),
    };
  }
  return out;
}

/** The usage of `calls` made by `tier`'s agent. */
export function usageOfCalls(tier: Tier, calls: readonly ModelCallRecord[]): UsageByTier {
  if (calls.length === 0) return {};
  const u: TierUsage = { input: 0, output: 0, total: 0, calls: calls.length, unknown: [] };
  for (const c of calls) {
    if (c.usage) {
      u.input += c.usage.input;
      u.output += c.usage.output;
      u.total += c.usage.total;
    } else if (!u.unknown.includes(c.provider)) {
      u.unknown.push(c.provider);
    }
  }
  return { [tier]: u };
}

/** Cost in USD of `usage` at `prices`. */
export function costOf(usage: TokenUsage, prices: Prices): number {
  return (usage.input * prices.inputPerMillion + usage.output * prices.outputPerMillion) / 1_000_000;
}

const round = (usd: number) => Math.round(usd * 1e6) / 1e6;

/** Per-tier tokens and cost, the total, and what premium alone would have cost. */
export function usageSummary(usage: UsageByTier, prices: Record<Tier, Prices>): UsageSummary {
  const perTier: UsageSummary["perTier"] = {};
  const total: TokenUsage = { input: 0, output: 0, total: 0 };
  const unknown: string[] = [];
  let cost = 0;
  for (const tier of TIERS) {
    const u = usage[tier];
    if (!u) continue;
    const c = costOf(u, prices[tier]);
    perTier[tier] = { input: u.input, output: u.output, total: u.total, calls: u.calls, unknown: [...u.unknown], costUsd: round(c) };
    total.input += u.input;
    total.output += u.output;
    total.total += u.total;
    for (const p of u.unknown) if (!unknown.includes(p)) unknown.push(p);
    cost += c;
  }
  const premiumOnly = costOf(total, prices.premium);
  return { perTier, total, costUsd: round(cost), premiumOnlyCostUsd: round(premiumOnly), savingUsd: round(premiumOnly - cost), unknown };
}
