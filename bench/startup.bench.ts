/**
 * `npm run bench:startup`: how long a user waits for the CLI, from process start to the first
 * `route_decided` event and to exit, for one offline task.
 *
 * Contenders, interleaved round by round with the order rotated each round:
 * - floor: a node process that only imports `@langchain/langgraph` and the `@langchain/core`
 *   entry points an orchestrator needs (messages, chat models, tools, runnables), then exits.
 *   Any LangGraph CLI pays at least this; its "first event" is its exit.
 * - bin: the packed package's `ai-gateway-agents` command, unpacked into a scratch app
 *   (`npm run build` and `npm pack` once per bench run; see test/helpers/package.ts), run with
 *   node as npm's bin link would.
 * - npm start: `npm start -- --json "task"` in this checkout (npm itself adds about 0.3 s).
 *
 * Every contender gets a fresh SQLite file in a scratch directory. The table shows the median
 * and the min–max of each; the JSON line's `first_event_vs_floor` is the installed bin's
 * median time to the first event over the floor's median time to exit.
 *
 * Knobs: BENCH_STARTUP_ROUNDS (default 7), BENCH_STARTUP_INSTALL=0 skips the bin (no build).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { packLocally, type LocalPackage } from "../test/helpers/package.js";
import { median, printTable, ratio, rotation, spreadText } from "./harness.js";

const ROUNDS = Number(process.env.BENCH_STARTUP_ROUNDS ?? 7);
const INSTALL = process.env.BENCH_STARTUP_INSTALL !== "0";
const TASK = "What is 17 * 23?";
const root = fileURLToPath(new URL("..", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "aga-startup-"));
const progress = (text: string) => process.stderr.write(`bench: ${text}\n`);

const FLOOR = [
  'await import("@langchain/langgraph");',
  'await import("@langchain/core/messages");',
  'await import("@langchain/core/language_models/chat_models");',
  'await import("@langchain/core/tools");',
  'await import("@langchain/core/runnables");',
].join(" ");

interface Contender {
  name: string;
  command: string;
  args: string[];
  cwd: string;
}

interface Timing {
  firstEvent: number;
  exit: number;
}

/** Only what a user's shell would have, minus anything that configures a real gateway. */
function cleanEnv(db: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(AI_GATEWAY_|OPENAI_|ANTHROPIC_|GOOGLE_|GEMINI_|OLLAMA_|DATABASE_URL|TIERS_CONFIG|npm_)/.test(k)) env[k] = v;
  }
  return { ...env, CHECKPOINT_SQLITE_PATH: db, NO_COLOR: "1" };
}

let runs = 0;
function time(c: Contender): Promise<Timing> {
  const db = join(scratch, `run-${runs++}.sqlite`);
  return new Promise((resolve, reject) => {
    const start = performance.now();
    let firstEvent: number | undefined;
    const child = spawn(c.command, c.args, { cwd: c.cwd, env: cleanEnv(db), stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (firstEvent === undefined && line.includes('"type":"route_decided"')) firstEvent = performance.now() - start;
    });
    child.once("error", reject);
    child.once("close", (code) => {
      const exit = performance.now() - start;
      if (code !== 0) return reject(new Error(`${c.name} exited with ${code}: ${stderr.slice(-500)}`));
      if (c.name !== "floor" && firstEvent === undefined) return reject(new Error(`${c.name} printed no route_decided event`));
      resolve({ firstEvent: firstEvent ?? exit, exit });
    });
  });
}

let pkg: LocalPackage | undefined;

async function main(): Promise<void> {
  const contenders: Contender[] = [{ name: "floor", command: process.execPath, args: ["--input-type=module", "-e", FLOOR], cwd: root }];
  if (INSTALL) {
    progress("building and packing the package (once)");
    pkg = await packLocally();
    contenders.push({ name: "bin", command: process.execPath, args: [join(pkg.dir, pkg.manifest.bin["ai-gateway-agents"]), "--json", TASK], cwd: pkg.app });
  }
  contenders.push({ name: "npm start", command: "npm", args: ["start", "--silent", "--", "--json", TASK], cwd: root });
  // One unmeasured run each: builds the checkout's cache, warms the OS file cache.
  for (const c of contenders) await time(c);
  const samples = new Map<string, Timing[]>(contenders.map((c) => [c.name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    progress(`round ${r + 1}/${ROUNDS}`);
    for (const c of rotation(contenders, r)) samples.get(c.name)!.push(await time(c));
  }
  const ms = (v: number) => `${v.toFixed(0)}`;
  const stats = new Map([...samples].map(([name, s]) => [name, { first: s.map((t) => t.firstEvent), exit: s.map((t) => t.exit) }]));
  const floor = median(stats.get("floor")!.exit);
  printTable(
    ["contender", "first event ms", "(min–max)", "exit ms", "(min–max)", "first event / floor"],
    [...stats].map(([name, s]) => [name, ms(median(s.first)), spreadText(s.first, 0), ms(median(s.exit)), spreadText(s.exit, 0), ratio(median(s.first), floor).toFixed(3)]),
  );
  const result: Record<string, number> = { floor_ms: Math.round(floor) };
  if (stats.has("bin")) {
    result.first_event_vs_floor = ratio(median(stats.get("bin")!.first), floor);
    result.bin_exit_vs_floor = ratio(median(stats.get("bin")!.exit), floor);
  }
  result.npm_start_first_event_vs_floor = ratio(median(stats.get("npm start")!.first), floor);
  result.npm_start_exit_vs_floor = ratio(median(stats.get("npm start")!.exit), floor);
  console.log(JSON.stringify(result));
}

try {
  await main();
} finally {
  pkg?.remove();
  rmSync(scratch, { recursive: true, force: true });
}
