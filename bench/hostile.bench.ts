/**
 * `npm run bench:hostile`: the worst event-loop block that one adversarial task causes in the
 * default server (in-process emulator, as `npm run serve` runs with nothing configured), as a
 * ratio against an ordinary 1 KB task. A block is how late a 1 ms timer fires while the run is
 * in flight (`monitorEventLoopDelay`); a request that blocks the loop stalls every other client
 * and `/healthz` with it. Inputs are the forms that once went superlinear in the router's or the
 * emulator's regular expressions, and others of the same families. The last line is one JSON
 * object with `worst_vs_baseline`.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../src/logging/index.js";
import { startServer } from "../src/server/index.js";
import { median, printTable } from "./harness.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
// The HTTP API takes tasks of up to 20,000 characters; every input stays just under that.
const N = 19_980;

const baseline = "Summarise the following notes about our message queue migration in three bullet points. ".repeat(12).slice(0, 1_024);
const inputs: Record<string, string> = {
  "ordinary 1 KB task (baseline)": baseline,
  // Each run of spaces ends in a letter: the router trims the task, so trailing spaces would vanish.
  '"1%" + spaces + "x"': `1%${" ".repeat(N)}x`,
  '"1" + spaces + "x"': `1${" ".repeat(N)}x`,
  '"1" + spaces + "+" + spaces + "x"': `1${" ".repeat(N / 2)}+${" ".repeat(N / 2)}x`,
  '"1 percent" + spaces + "x"': `1 percent${" ".repeat(N)}x`,
  '"1 " repeated': "1 ".repeat(N / 2),
  '"1%" repeated': "1%".repeat(N / 2),
  '"(" repeated + "1"': `${"(".repeat(N)}1`,
  '"1" + ")" repeated': `1${")".repeat(N)}`,
  '"1 times " repeated': "1 times ".repeat(N / 8),
  "tabs and newlines after a digit": `7${"\t\n".repeat(N / 2)}x`,
  "one 20,000-letter word": "a".repeat(N),
  // Every start inside a digit run once rescanned the run: seconds of blocked loop per request.
  "a 20,000-digit number": "7".repeat(N),
  "two 10,000-digit numbers added": `${"9".repeat(N / 2 - 2)} + ${"1".repeat(N / 2 - 1)}`,
  "URL with a 20,000-character path": `https://example.com/${"a".repeat(N)}`,
  "deep-work keywords repeated": "design a comprehensive architecture ".repeat(N / 36),
  "combining marks": `a${"\u0301".repeat(N)}`,
};

const dir = mkdtempSync(join(tmpdir(), "bench-hostile-"));
const server = await startServer({
  env: { CONFIG_STORE_PATH: join(dir, "providers.json"), CHECKPOINT_SQLITE_PATH: ":memory:", SERVER_BODY_LIMIT_BYTES: "262144" },
  logger: createLogger({ level: "silent", format: "json" }),
  port: 0,
  host: "127.0.0.1",
});

const statuses = new Map<string, number>();

/** Worst event-loop delay (ms) while one run of `task` is in flight. */
async function worstBlock(task: string): Promise<number> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const res = await fetch(`${server.url}/api/runs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ task, routingMode: "rules" }),
  });
  await res.text();
  h.disable();
  if (res.status >= 500) throw new Error(`the server answered ${res.status} to a hostile task`);
  statuses.set(task, res.status);
  return h.max / 1e6;
}

try {
  for (const task of Object.values(inputs)) await worstBlock(task); // warm-up
  const samples = new Map<string, number[]>(Object.keys(inputs).map((k) => [k, []]));
  for (let r = 0; r < ROUNDS; r++) for (const [name, task] of Object.entries(inputs)) samples.get(name)!.push(await worstBlock(task));
  const base = median(samples.get("ordinary 1 KB task (baseline)")!);
  const rows = [...samples].map(([name, s]) => [name, String(inputs[name].length), String(statuses.get(inputs[name])), median(s), median(s) / base]);
  console.log(`bench:hostile — default server, in-process emulator; worst event-loop delay per run, median of ${ROUNDS} rounds`);
  printTable(["input", "chars", "HTTP", "worst block ms", "× baseline"], rows as (string | number)[][]);
  const worst = rows.reduce((a, b) => ((b[4] as number) > (a[4] as number) ? b : a));
  console.log("");
  console.log(JSON.stringify({ bench: "hostile", baseline_ms: Math.round(base * 10) / 10, worst_input: worst[0], worst_vs_baseline: Math.round((worst[4] as number) * 100) / 100 }));
} finally {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
