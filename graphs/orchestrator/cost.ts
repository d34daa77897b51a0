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
  /** USD of the calls whose model has a known price (absent in usage stored before calls were priced). */
  costUsd?: number;
  /** `provider/model` of calls with tokens but no known price: their tokens are counted, their cost is not. */
  unpriced?: string[];
}

/** How calls are priced: by the model that answered each (see src/providers/model_prices.ts). */
export interface Pricing {
  /** USD of one call on `tier`; undefined when its model has no known price. */
  call(tier: Tier, call: ModelCallRecord): number | undefined;
  /** USD of `tokens` on `tier`'s first model: the premium-only comparison, and usage stored before calls were priced. */
  tier(tier: Tier, tokens: TokenUsage): number | undefined;
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
    const cur = out[tier];
    if (!cur) {
      out[tier] = { ...add, unknown: [...(add.unknown ?? [])], unpriced: [...(add.unpriced ?? [])] };
      continue;
    }
    // Usage stored before calls were priced has no cost; a sum with it has none either (it is priced when reported).
    const costUsd = cur.costUsd !== undefined && add.costUsd !== undefined ? cur.costUsd + add.costUsd : undefined;
    out[tier] = {
      input: cur.input + add.input,
      output: cur.output + add.output,
      total: cur.total + add.total,
      calls: cur.calls + add.calls,
      unknown: union(cur.unknown, add.unknown ?? []),
      ...(costUsd !== undefined ? { costUsd } : {}),
      unpriced: union(cur.unpriced ?? [], add.unpriced ?? []),
    };
  }
  return out;
}

/** The usage of `calls` made by `tier`'s agent, each call priced by the model that answered it. */
export function usageOfCalls(tier: Tier, calls: readonly ModelCallRecord[], pricing: Pricing): UsageByTier {
  if (calls.length === 0) return {};
  const u: TierUsage = { input: 0, output: 0, total: 0, calls: calls.length, unknown: [], costUsd: 0, unpriced: [] };
  for (const c of calls) {
    if (c.usage) {
      u.input += c.usage.input;
      u.output += c.usage.output;
      u.total += c.usage.total;
      const usd = pricing.call(tier, c);
      if (usd !== undefined) u.costUsd! += usd;
      else if (!u.unpriced!.includes(`${c.provider}/${c.model ?? "unknown model"}`)) u.unpriced!.push(`${c.provider}/${c.model ?? "unknown model"}`);
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

/**
 * Per-tier tokens and cost, the total, and what premium alone would have cost. Calls whose model
 * has no known price are named in `unpriced`; the saving is then not known (null), and so is
 * premium alone when premium's model has no price.
 */
export function usageSummary(usage: UsageByTier, pricing: Pricing): UsageSummary {
  const perTier: UsageSummary["perTier"] = {};
  const total: TokenUsage = { input: 0, output: 0, total: 0 };
  const unknown: string[] = [];
  const unpriced: string[] = [];
  let cost = 0;
  for (const tier of TIERS) {
    const u = usage[tier];
    if (!u) continue;
    const tierUnpriced = [...(u.unpriced ?? [])];
    let c = u.costUsd;
    if (c === undefined) {
      const byTier = pricing.tier(tier, u);
      if (byTier === undefined && u.total > 0) tierUnpriced.push(`${tier} tier (earlier runs)`);
      c = byTier ?? 0;
    }
    perTier[tier] = { input: u.input, output: u.output, total: u.total, calls: u.calls, unknown: [...u.unknown], costUsd: round(c), unpriced: tierUnpriced };
    total.input += u.input;
    total.output += u.output;
    total.total += u.total;
    for (const p of u.unknown) if (!unknown.includes(p)) unknown.push(p);
    for (const p of tierUnpriced) if (!unpriced.includes(p)) unpriced.push(p);
    cost += c;
  }
  const premiumOnly = pricing.tier("premium", total);
  const premiumOnlyCostUsd = premiumOnly === undefined ? null : round(premiumOnly);
  const savingUsd = premiumOnly === undefined || unpriced.length > 0 ? null : round(premiumOnly - cost);
  return { perTier, total, costUsd: round(cost), premiumOnlyCostUsd, savingUsd, unknown, unpriced };
}
