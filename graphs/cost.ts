/** Usage and cost arithmetic for run reports (pure). */
import { TIERS, type Tier } from "../src/providers/types.js";
import type { TokenUsage, UsageEvent } from "./events.js";

/** Prices in USD per million tokens. */
export interface Prices {
  inputPerMillion: number;
  outputPerMillion: number;
}

/** Usage per tier as kept in the graph state. */
export type UsageByTier = Partial<Record<Tier, TokenUsage>>;

/** Adds two usage records (the state reducer). */
export function addUsage(a: UsageByTier, b: UsageByTier): UsageByTier {
  const out: UsageByTier = { ...a };
  for (const tier of TIERS) {
    const add = b[tier];
    if (!add) continue;
    const cur = out[tier] ?? { input: 0, output: 0, total: 0 };
    out[tier] = { input: cur.input + add.input, output: cur.output + add.output, total: cur.total + add.total };
  }
  return out;
}

/** Cost in USD of `usage` at `prices`. */
export function costOf(usage: TokenUsage, prices: Prices): number {
  return (usage.input * prices.inputPerMillion + usage.output * prices.outputPerMillion) / 1_000_000;
}

const round = (usd: number) => Math.round(usd * 1e6) / 1e6;

/** The usage event: per-tier tokens and cost, the total, and what premium alone would have cost. */
export function usageReport(usage: UsageByTier, prices: Record<Tier, Prices>): UsageEvent {
  const perTier: UsageEvent["perTier"] = {};
  const total: TokenUsage = { input: 0, output: 0, total: 0 };
  let cost = 0;
  for (const tier of TIERS) {
    const u = usage[tier];
    if (!u) continue;
    const c = costOf(u, prices[tier]);
    perTier[tier] = { ...u, costUsd: round(c) };
    total.input += u.input;
    total.output += u.output;
    total.total += u.total;
    cost += c;
  }
  const premiumOnly = costOf(total, prices.premium);
  return {
    type: "usage",
    perTier,
    total,
    costUsd: round(cost),
    premiumOnlyCostUsd: round(premiumOnly),
    savingUsd: round(premiumOnly - cost),
  };
}
