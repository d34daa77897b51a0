/**
 * The eval's arithmetic (pure): per strategy pass rate, cost, tier mix and median latency; the
 * router against premium alone; and the tasks a higher tier would have passed (rule candidates).
 */
import { TIERS, type Tier } from "../providers/types.js";

/** The ways tasks are run: the router, each tier forced, and a seeded random tier per task. */
export const STRATEGIES = ["router", "fast", "standard", "premium", "random"] as const;

/** One strategy. */
export type Strategy = (typeof STRATEGIES)[number];

/** One task run under one strategy and checked. */
export interface TaskOutcome {
  taskId: string;
  strategy: Strategy;
  /** Tier that ended the run (after any escalation); undefined when no agent started. */
  tier?: Tier;
  pass: boolean;
  /** Why it passed or failed, in a few words. */
  detail: string;
  /** The run's cost from its usage event; undefined when the run reported none or not all of it. */
  costUsd?: number;
  latencyMs: number;
  /** Set when the run itself failed (no answer to check). */
  error?: string;
}

/** The figures of one strategy, as the JSON line carries them. */
export interface StrategyFigures {
  /** Passed / tasks, rounded to 4 decimals. */
  pass_rate: number;
  /** Sum of the runs' known costs in USD, rounded to 6 decimals. */
  cost_usd: number;
  /** How many runs ended on each tier. */
  tier_mix: Record<Tier, number>;
  /** Median wall-clock time of a run, in whole ms. */
  p50_ms: number;
}

/** A strategy's figures plus the counts behind them (for the table and the report). */
export interface StrategyStats extends StrategyFigures {
  tasks: number;
  passed: number;
  /** Runs that ended in an error. */
  errors: number;
  /** Runs whose cost is unknown or partial (not in `cost_usd`). */
  costUnknown: number;
}

/** The router against premium alone. */
export interface RouterVsPremium {
  /** Router cost / premium cost; undefined when premium cost nothing. */
  costRatio?: number;
  /** Premium cost minus router cost, USD. */
  savingUsd: number;
  /** Router pass rate minus premium pass rate (a fraction; -0.05 is five points worse). */
  passRateDelta: number;
}

/** A task the router's tier failed and a higher forced tier passed: a routing rule could send it there. */
export interface RuleCandidate {
  taskId: string;
  /** Tier the router's run ended on. */
  routerTier: Tier;
  /** Higher tiers whose forced run passed, cheapest first. */
  passedOn: Tier[];
}

const round = (n: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

/** The median of `values` (the mean of the middle two for an even count); 0 for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Figures of one strategy's outcomes. */
export function strategyStats(outcomes: readonly TaskOutcome[]): StrategyStats {
  const tier_mix = Object.fromEntries(TIERS.map((t) => [t, 0])) as Record<Tier, number>;
  let passed = 0;
  let errors = 0;
  let cost = 0;
  let costUnknown = 0;
  for (const o of outcomes) {
    if (o.pass) passed++;
    if (o.error !== undefined) errors++;
    if (o.tier) tier_mix[o.tier]++;
    if (o.costUsd === undefined) costUnknown++;
    else cost += o.costUsd;
  }
  return {
    pass_rate: outcomes.length === 0 ? 0 : round(passed / outcomes.length, 4),
    cost_usd: round(cost, 6),
    tier_mix,
    p50_ms: Math.round(median(outcomes.map((o) => o.latencyMs))),
    tasks: outcomes.length,
    passed,
    errors,
    costUnknown,
  };
}

/** Stats of every strategy from all outcomes. */
export function allStats(outcomes: readonly TaskOutcome[]): Record<Strategy, StrategyStats> {
  return Object.fromEntries(STRATEGIES.map((s) => [s, strategyStats(outcomes.filter((o) => o.strategy === s))])) as Record<Strategy, StrategyStats>;
}

/** Only the four figures of each strategy, for the JSON line. */
export function figuresOf(stats: Record<Strategy, StrategyStats>): Record<Strategy, StrategyFigures> {
  return Object.fromEntries(
    STRATEGIES.map((s) => {
      const { pass_rate, cost_usd, tier_mix, p50_ms } = stats[s];
      return [s, { pass_rate, cost_usd, tier_mix, p50_ms }];
    }),
  ) as Record<Strategy, StrategyFigures>;
}

/** The router's cost and quality relative to running everything on premium. */
export function routerVsPremium(stats: Record<Strategy, StrategyStats>): RouterVsPremium {
  const router = stats.router;
  const premium = stats.premium;
  return {
    ...(premium.cost_usd > 0 ? { costRatio: round(router.cost_usd / premium.cost_usd, 4) } : {}),
    savingUsd: round(premium.cost_usd - router.cost_usd, 6),
    passRateDelta: round(router.pass_rate - premium.pass_rate, 4),
  };
}

/** Tasks whose router run failed on a tier while a higher forced tier passed, in task order. */
export function ruleCandidates(taskIds: readonly string[], outcomes: readonly TaskOutcome[]): RuleCandidate[] {
  const out: RuleCandidate[] = [];
  for (const taskId of taskIds) {
    const router = outcomes.find((o) => o.taskId === taskId && o.strategy === "router");
    if (!router || router.pass || !router.tier) continue;
    const above = TIERS.slice(TIERS.indexOf(router.tier) + 1);
    const passedOn = above.filter((tier) => outcomes.some((o) => o.taskId === taskId && o.strategy === tier && o.pass));
    if (passedOn.length > 0) out.push({ taskId, routerTier: router.tier, passedOn });
  }
  return out;
}
