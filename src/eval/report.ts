/** What an eval reports, and its two text forms: the table for people and the JSON line for scripts. */
import type { TokenUsage } from "../../graphs/orchestrator/events.js";
import { TIERS, type Tier } from "../providers/types.js";
import { allStats, figuresOf, routerVsPremium, ruleCandidates, STRATEGIES, type RouterVsPremium, type RuleCandidate, type Strategy, type StrategyFigures, type StrategyStats, type TaskOutcome } from "./stats.js";
import type { EvalTask } from "./tasks.js";

/** Everything the table, the JSON line and the HTML report show. */
export interface EvalReport {
  /** `--name`, or the task file as given. */
  name: string;
  /** True when a simulated model answered: then no figure says anything about real quality or cost. */
  simulated: boolean;
  seed: number;
  tasks: readonly EvalTask[];
  outcomes: readonly TaskOutcome[];
  stats: Record<Strategy, StrategyStats>;
  vsPremium: RouterVsPremium;
  candidates: RuleCandidate[];
  /** The random baseline's tier per task id. */
  randomTiers: Record<string, Tier>;
  /** The judge's calls and tokens (not in any strategy's cost). */
  judge: { calls: number; usage: TokenUsage };
}

/** The JSON line's shape. */
export interface EvalJson {
  eval: string;
  simulated: boolean;
  strategies: Record<Strategy, StrategyFigures>;
}

/** Builds the report from an eval's outcomes. */
export function buildReport(input: Omit<EvalReport, "stats" | "vsPremium" | "candidates">): EvalReport {
  const stats = allStats(input.outcomes);
  return {
    ...input,
    stats,
    vsPremium: routerVsPremium(stats),
    candidates: ruleCandidates(
      input.tasks.map((t) => t.id),
      input.outcomes,
    ),
  };
}

/** The JSON object of the report's last line. */
export function evalJson(report: EvalReport): EvalJson {
  return { eval: report.name, simulated: report.simulated, strategies: figuresOf(report.stats) };
}

/** `$0.001234`, with enough digits for the small sums of short tasks. */
export const usd = (n: number) => `$${n.toFixed(6)}`;

/** `93.8%`. */
export const percent = (rate: number) => `${(rate * 100).toFixed(1)}%`;

/** `12/3/2`: runs per tier, cheapest first. */
export const tierMixText = (mix: Record<Tier, number>) => TIERS.map((t) => mix[t]).join("/");

/** `45.0% of the cost (saves $0.000120)` or, when premium cost nothing, the plain sums. */
export function costVsPremiumText(r: RouterVsPremium, stats: Record<Strategy, StrategyStats>): string {
  if (r.costRatio === undefined) return `cost ${usd(stats.router.cost_usd)} against ${usd(stats.premium.cost_usd)}`;
  const change = r.savingUsd >= 0 ? `saves ${usd(r.savingUsd)}` : `costs ${usd(-r.savingUsd)} more`;
  return `${percent(r.costRatio)} of the cost (${change})`;
}

/** `-5.9 points (93.8% against 99.7%)`. */
export function qualityVsPremiumText(r: RouterVsPremium, stats: Record<Strategy, StrategyStats>): string {
  const pts = r.passRateDelta * 100;
  return `${pts >= 0 ? "+" : ""}${pts.toFixed(1)} points (${percent(stats.router.pass_rate)} against ${percent(stats.premium.pass_rate)})`;
}

/** The one-line warning every simulated report carries. */
export const SIMULATED_NOTE = "SIMULATED: the local gateway emulator answered. Its deterministic model says nothing about real quality, and its costs are token counts of made-up text.";

/** The human-readable table and notes (no trailing JSON line). */
export function renderTable(report: EvalReport): string {
  const { stats } = report;
  const sim = report.simulated ? " [SIMULATED]" : "";
  const lines: string[] = [];
  lines.push(`eval ${report.name} · ${report.tasks.length} tasks · random seed ${report.seed}${sim}`);
  if (report.simulated) lines.push(SIMULATED_NOTE);
  const head = ["strategy", `pass rate${sim}`, `cost (USD)${sim}`, `tier mix f/s/p${sim}`, `p50 ms${sim}`];
  const rows = STRATEGIES.map((s) => {
    const st = stats[s];
    const cost = `${usd(st.cost_usd)}${st.costUnknown > 0 ? ` (+${st.costUnknown} unknown)` : ""}`;
    return [s, `${percent(st.pass_rate)} (${st.passed}/${st.tasks})${st.errors > 0 ? ` ${st.errors} err` : ""}`, cost, tierMixText(st.tier_mix), String(st.p50_ms)];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  lines.push(line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line));
  lines.push("");
  lines.push(`router vs premium-only${sim}: ${costVsPremiumText(report.vsPremium, stats)}; pass rate ${qualityVsPremiumText(report.vsPremium, stats)}`);
  if (report.candidates.length === 0) lines.push("rule candidates: none (no task failed on the router's tier and passed on a higher one)");
  else {
    lines.push("rule candidates (the router's tier failed, a higher tier passed):");
    const task = (id: string) => report.tasks.find((t) => t.id === id);
    for (const c of report.candidates) {
      const text = (task(c.taskId)?.task ?? "").replace(/\s+/g, " ");
      lines.push(`  ${c.taskId}: router ended on ${c.routerTier}, passed on ${c.passedOn.join(", ")} · ${text.length > 70 ? `${text.slice(0, 69)}…` : text}`);
    }
  }
  if (report.judge.calls > 0) lines.push(`judge: ${report.judge.calls} calls on the premium tier, ${report.judge.usage.total} tokens (not in any strategy's cost)`);
  return `${lines.join("\n")}\n`;
}
