import { describe, expect, it } from "vitest";
import { EXIT } from "../../src/cli/commands.js";
import { EVAL_EXIT } from "../../src/eval/exit_codes.js";
import { randomTiers, seededRandom } from "../../src/eval/random.js";
import { buildReport, evalJson, renderTable } from "../../src/eval/report.js";
import { renderHtml } from "../../src/eval/report_html.js";
import { median, routerVsPremium, ruleCandidates, strategyStats, STRATEGIES, allStats, type Strategy, type TaskOutcome } from "../../src/eval/stats.js";
import type { EvalTask } from "../../src/eval/tasks.js";
import type { Tier } from "../../src/providers/types.js";

const outcome = (taskId: string, strategy: Strategy, pass: boolean, tier: Tier | undefined, costUsd: number | undefined, latencyMs: number, error?: string): TaskOutcome => ({
  taskId,
  strategy,
  pass,
  detail: pass ? "ok" : "wrong",
  latencyMs,
  ...(tier ? { tier } : {}),
  ...(costUsd !== undefined ? { costUsd } : {}),
  ...(error ? { error } : {}),
});

describe("eval stats", () => {
  it("median of odd and even counts", () => {
    expect(median([])).toBe(0);
    expect(median([30, 10, 20])).toBe(20);
    expect(median([40, 10, 30, 20])).toBe(25);
  });

  it("pass rate, summed known cost, tier mix, p50 and the counts behind them", () => {
    const stats = strategyStats([
      outcome("a", "router", true, "fast", 0.001, 10),
      outcome("b", "router", false, "premium", 0.004, 30),
      outcome("c", "router", true, "fast", undefined, 20),
      outcome("d", "router", false, undefined, undefined, 50, "timed out"),
    ]);
    expect(stats).toEqual({ pass_rate: 0.5, cost_usd: 0.005, tier_mix: { fast: 2, standard: 0, premium: 1 }, p50_ms: 25, tasks: 4, passed: 2, errors: 1, costUnknown: 2 });
  });

  it("compares the router with premium-only and finds rule candidates", () => {
    const outcomes = [
      // t1: the router stayed on fast and failed; standard and premium passed.
      outcome("t1", "router", false, "fast", 0.001, 1),
      outcome("t1", "fast", false, "fast", 0.001, 1),
      outcome("t1", "standard", true, "standard", 0.002, 1),
      outcome("t1", "premium", true, "premium", 0.004, 1),
      // t2: the router failed on premium: nothing is higher.
      outcome("t2", "router", false, "premium", 0.004, 1),
      outcome("t2", "premium", false, "premium", 0.004, 1),
      // t3: the router passed.
      outcome("t3", "router", true, "fast", 0.001, 1),
      outcome("t3", "premium", true, "premium", 0.004, 1),
    ];
    expect(ruleCandidates(["t1", "t2", "t3"], outcomes)).toEqual([{ taskId: "t1", routerTier: "fast", passedOn: ["standard", "premium"] }]);
    const stats = allStats(outcomes);
    expect(routerVsPremium(stats)).toEqual({ costRatio: 0.5, savingUsd: 0.006, passRateDelta: -0.3334 });
    expect(routerVsPremium({ ...stats, premium: strategyStats([]) })).toEqual({ savingUsd: -0.006, passRateDelta: 0.3333 });
  });
});

describe("eval random baseline", () => {
  it("draws the same tiers for the same seed, and others for another seed", () => {
    expect(randomTiers(40, 42)).toEqual(randomTiers(40, 42));
    expect(randomTiers(40, 7)).not.toEqual(randomTiers(40, 42));
    // The first draws do not depend on how many are drawn.
    expect(randomTiers(40, 42).slice(0, 10)).toEqual(randomTiers(10, 42));
  });

  it("spreads evenly over the tiers", () => {
    const next = seededRandom(1);
    const values = Array.from({ length: 3000 }, next);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    const tiers = randomTiers(3000, 123);
    for (const t of ["fast", "standard", "premium"]) {
      const n = tiers.filter((x) => x === t).length;
      expect(n).toBeGreaterThan(850);
      expect(n).toBeLessThan(1150);
    }
  });
});

describe("eval report", () => {
  const tasks: EvalTask[] = [
    { id: "t1", line: 1, task: 'Say <b>"hi"</b> & bye', check: { kind: "expected", value: "hi" } },
    { id: "t2", line: 2, task: "Two", check: { kind: "judge" } },
  ];
  const outcomes = tasks.flatMap((t, i) => STRATEGIES.map((s) => outcome(t.id, s, s !== "fast" || i === 1, s === "router" || s === "random" ? "fast" : (s as Tier), 0.0001 * (i + 1), 10 + i)));
  const report = (simulated: boolean) =>
    buildReport({ name: "demo <set>", simulated, seed: 42, tasks, outcomes, randomTiers: { t1: "fast", t2: "fast" }, judge: { calls: 5, usage: { input: 10, output: 5, total: 15 } } });

  it("prints the JSON line in the agreed shape", () => {
    const json = evalJson(report(true));
    expect(Object.keys(json)).toEqual(["eval", "simulated", "strategies"]);
    expect(Object.keys(json.strategies)).toEqual(["router", "fast", "standard", "premium", "random"]);
    expect(json.strategies.fast).toEqual({ pass_rate: 0.5, cost_usd: 0.0003, tier_mix: { fast: 2, standard: 0, premium: 0 }, p50_ms: 11 });
  });

  it("marks a simulated table and report, and embeds the JSON's figures in data attributes", () => {
    const r = report(true);
    const table = renderTable(r);
    expect(table.split("\n")[0]).toMatch(/\[SIMULATED\]$/);
    expect(table).toMatch(/^strategy\s+pass rate \[SIMULATED\]\s+cost \(USD\) \[SIMULATED\]/m);
    expect(renderTable(report(false))).not.toMatch(/SIMULATED/);
    const html = renderHtml(r);
    expect(html).toMatch(/<main data-eval="demo &lt;set&gt;" data-simulated="true"/);
    expect(html).toContain("Every figure on this page is SIMULATED");
    const json = evalJson(r);
    for (const s of STRATEGIES) {
      const row = html.match(new RegExp(`<tr data-strategy="${s}" data-pass-rate="([^"]+)" data-cost-usd="([^"]+)" data-p50-ms="([^"]+)"`));
      expect(row?.slice(1).map(Number)).toEqual([json.strategies[s].pass_rate, json.strategies[s].cost_usd, json.strategies[s].p50_ms]);
      expect(html).toMatch(new RegExp(`<g class="point" data-strategy="${s}" data-pass-rate="${json.strategies[s].pass_rate}"`));
    }
    expect(renderHtml(report(false))).not.toMatch(/SIMULATED/);
  });

  it("escapes task text and loads nothing from elsewhere", () => {
    const html = renderHtml(report(true));
    expect(html).toContain("Say &lt;b&gt;&quot;hi&quot;&lt;/b&gt; &amp; bye");
    expect(html).not.toContain("<b>\"hi\"</b>");
    expect(html).not.toMatch(/<script|<link|\bsrc=|href=|url\(/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
  });
});

describe("eval exit codes", () => {
  it("are the CLI's", () => {
    for (const [name, code] of Object.entries(EVAL_EXIT)) expect(EXIT[name as keyof typeof EXIT]).toBe(code);
  });
});
