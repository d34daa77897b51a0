/** `npm run eval` end to end, offline: the table, the JSON line and the HTML report agree. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { randomTiers } from "../../src/eval/random.js";
import { parseTasks } from "../../src/eval/tasks.js";
import { offlineEnv, runProcess, type CliResult } from "../helpers/cli.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "eval-e2e-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = offlineEnv();
const STRATEGIES = ["router", "fast", "standard", "premium", "random"] as const;
const TIERS = ["fast", "standard", "premium"] as const;

const runEval = (args: string[], timeoutMs = 90_000): Promise<CliResult> => runProcess("npm", ["run", "--silent", "eval", "--", ...args], { cwd: root, env, timeoutMs });

interface Figures {
  pass_rate: number;
  cost_usd: number;
  tier_mix: Record<(typeof TIERS)[number], number>;
  p50_ms: number;
}

/** The attributes of every opening tag that matches `tag` and carries `data-strategy`. */
function strategyTags(html: string, tag: string): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const m of html.matchAll(new RegExp(`<${tag} ([^>]*data-strategy="[^"]+"[^>]*)>`, "g"))) {
    const attrs = Object.fromEntries([...m[1].matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1], a[2]]));
    out.set(attrs["data-strategy"], attrs);
  }
  return out;
}

describe("npm run eval (offline)", () => {
  it(
    "runs the shipped task set and prints a SIMULATED table, a JSON line and a report that match",
    async () => {
      const report = join(dir, "eval.html");
      const { code, stdout, stderr } = await runEval(["examples/eval/tasks.jsonl", "--report", report]);
      expect(code, stderr).toBe(0);
      const lines = stdout.trim().split("\n");
      const json = JSON.parse(lines.at(-1)!) as { eval: string; simulated: boolean; strategies: Record<string, Figures> };
      expect(Object.keys(json)).toEqual(["eval", "simulated", "strategies"]);
      expect(json.eval).toBe("examples/eval/tasks.jsonl");
      expect(json.simulated).toBe(true);
      expect(Object.keys(json.strategies)).toEqual([...STRATEGIES]);

      const tasks = parseTasks(readFileSync(join(root, "examples/eval/tasks.jsonl"), "utf8"));
      for (const s of STRATEGIES) {
        const f = json.strategies[s];
        expect(TIERS.reduce((n, t) => n + f.tier_mix[t], 0)).toBe(tasks.length);
        expect(f.pass_rate).toBeGreaterThanOrEqual(0);
        expect(f.pass_rate).toBeLessThanOrEqual(1);
        expect(f.cost_usd).toBeGreaterThan(0);
      }
      // A forced tier runs every task there (nothing fails offline, so nothing escalates).
      for (const t of TIERS) expect(json.strategies[t].tier_mix[t]).toBe(tasks.length);
      // The random baseline used seed 42: its mix is the one the seed draws.
      const drawn = randomTiers(tasks.length, 42);
      expect(json.strategies.random.tier_mix).toEqual(Object.fromEntries(TIERS.map((t) => [t, drawn.filter((x) => x === t).length])));
      // The emulator's calculator answers arithmetic correctly, so those checks pass on every tier.
      expect(stderr).toMatch(/^\[\d+\/\d+\] percent-of: router pass@fast {2}fast pass@fast {2}standard pass@standard {2}premium pass@premium/m);

      // The table: every strategy's row and every figure marked SIMULATED.
      expect(lines[0]).toMatch(/^eval examples\/eval\/tasks\.jsonl · 17 tasks · random seed 42 \[SIMULATED\]$/);
      expect(stdout).toMatch(/^strategy\s+pass rate \[SIMULATED\]\s+cost \(USD\) \[SIMULATED\]\s+tier mix f\/s\/p \[SIMULATED\]\s+p50 ms \[SIMULATED\]$/m);
      for (const s of STRATEGIES) {
        const f = json.strategies[s];
        const row = `^${s}\\s+${(f.pass_rate * 100).toFixed(1)}% \\(\\d+/${tasks.length}\\)\\s+\\$${f.cost_usd.toFixed(6)}\\s+${f.tier_mix.fast}/${f.tier_mix.standard}/${f.tier_mix.premium}\\s+${f.p50_ms}$`;
        expect(stdout).toMatch(new RegExp(row, "m"));
      }
      expect(stdout).toMatch(/^router vs premium-only \[SIMULATED\]: /m);
      expect(stdout).toMatch(/^rule candidates/m);
      expect(stdout).toMatch(/^judge: 10 calls on the premium tier/m);

      // The report: the same figures in its table rows and chart points, and nothing from the network.
      const html = readFileSync(report, "utf8");
      expect(html).toMatch(/<main data-eval="examples\/eval\/tasks\.jsonl" data-simulated="true"/);
      expect(html).toContain("Every figure on this page is SIMULATED");
      expect(html).not.toMatch(/<script|<link|\bsrc=|href=|url\(/i);
      const rows = strategyTags(html, "tr");
      const points = strategyTags(html, "g");
      expect([...rows.keys()]).toEqual([...STRATEGIES]);
      expect([...points.keys()]).toEqual([...STRATEGIES]);
      for (const s of STRATEGIES) {
        const f = json.strategies[s];
        const row = rows.get(s)!;
        expect(Number(row["data-pass-rate"])).toBe(f.pass_rate);
        expect(Number(row["data-cost-usd"])).toBe(f.cost_usd);
        expect(Number(row["data-p50-ms"])).toBe(f.p50_ms);
        for (const t of TIERS) expect(Number(row[`data-tier-${t}`])).toBe(f.tier_mix[t]);
        expect(Number(points.get(s)!["data-pass-rate"])).toBe(f.pass_rate);
        expect(Number(points.get(s)!["data-cost-usd"])).toBe(f.cost_usd);
        // The per-task cells add up to the strategy's pass rate.
        const cells = [...html.matchAll(new RegExp(`<td class="(?:pass|fail)" data-strategy="${s}" data-pass="(true|false)"`, "g"))].map((m) => m[1]);
        expect(cells).toHaveLength(tasks.length);
        expect(Math.round((cells.filter((c) => c === "true").length / tasks.length) * 10_000) / 10_000).toBe(f.pass_rate);
      }
      // Higher pass rate is drawn higher on the chart.
      const cy = (s: string) => Number(html.match(new RegExp(`data-strategy="${s}"[^>]*><circle cx="[^"]+" cy="([^"]+)"`))![1]);
      for (const s of STRATEGIES) expect(cy(s)).toBeCloseTo(20 + (1 - json.strategies[s].pass_rate) * (360 - 20 - 48), 0);
    },
    90_000,
  );

  it("refuses a bad task file with exit code 2 and the line number, before starting anything", async () => {
    const write = (name: string, text: string) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    };
    const malformed = write("malformed.jsonl", '{"task": "2 + 2?", "expected": "4"}\n{"task": "oops"\n');
    const unknown = write("unknown.jsonl", '\n{"task": "x", "similarTo": "y"}\n');
    const empty = write("empty.jsonl", "");
    const oversize = write("oversize.jsonl", `${JSON.stringify({ task: "y".repeat(70_000), expected: "1" })}\n`);
    const cases: [string, RegExp][] = [
      [malformed, /malformed\.jsonl:2: not valid JSON/],
      [unknown, /unknown\.jsonl:2: unknown check kind or field "similarTo"/],
      [empty, /empty\.jsonl has no tasks/],
      [oversize, /oversize\.jsonl:1: line is \d+ bytes, more than the 65536 allowed/],
      [join(dir, "missing.jsonl"), /cannot read the task file .*missing\.jsonl \(ENOENT\)/],
    ];
    for (const [file, message] of cases) {
      const { code, stdout, stderr } = await runEval([file], 30_000);
      expect(code, stderr).toBe(2);
      expect(stderr).toMatch(message);
      expect(stderr).not.toMatch(/emulator/);
      expect(stdout).toBe("");
    }
    const badReport = await runEval(["examples/eval/tasks.jsonl", "--report", join(dir, "no-such-dir", "eval.html")], 30_000);
    expect(badReport.code).toBe(2);
    expect(badReport.stderr).toMatch(/--report .*no-such-dir.*eval\.html cannot be written/);
    const badSeed = await runEval(["examples/eval/tasks.jsonl", "--seed", "4.5"], 30_000);
    expect(badSeed.code).toBe(2);
    expect(badSeed.stderr).toMatch(/--seed must be a whole number/);
  }, 60_000);
});
