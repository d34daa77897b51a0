/** Shared benchmark plumbing: an emulator in its own process, timing, and the table. */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { request, type Dispatcher } from "undici";

/** What the emulator CLI prints when ready. */
export interface EmulatorInfo {
  baseUrl: string;
  apiUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Token for the emulator's HTTP control plane (x-emulator-token). */
  controlToken: string;
}

const root = fileURLToPath(new URL("..", import.meta.url));

/** Starts `src/emulator/cli.ts` in a child process so its CPU use does not share our event loop. */
export async function startEmulatorProcess(args: string[] = []): Promise<{ info: EmulatorInfo; stop: () => Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "src/emulator/cli.ts", ...args], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! });
  const info = await new Promise<EmulatorInfo>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`emulator exited early with code ${code}`)));
    lines.once("line", (line) => resolve(JSON.parse(line) as EmulatorInfo));
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  return { info, stop };
}

/** Fetches one access token with client_secret_basic, for the baselines that take a static bearer. */
export async function fetchToken(info: EmulatorInfo): Promise<string> {
  const res = await fetch(info.tokenUrl, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(info.clientId)}:${encodeURIComponent(info.clientSecret)}`).toString("base64")}`,
    },
    body: "grant_type=client_credentials",
  });
  if (!res.ok) throw new Error(`token request failed: ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** A named contender: `run()` performs one unit of the workload. */
export interface Contender {
  name: string;
  run: () => Promise<unknown>;
}

/** Median of the numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Smallest and largest of the numbers: the spread shown beside every median. */
export function spread(values: number[]): { min: number; max: number } {
  return { min: Math.min(...values), max: Math.max(...values) };
}

/** The spread as table text, "min–max", with `digits` decimals (the table's medians have 1). */
export function spreadText(values: number[], digits = 1): string {
  const { min, max } = spread(values);
  return `${min.toFixed(digits)}–${max.toFixed(digits)}`;
}

/** Medians of every contender's samples. */
export function medians(samples: Map<string, number[]>): Map<string, number> {
  return new Map([...samples].map(([name, s]) => [name, median(s)]));
}

/**
 * The order of round `r`: the list rotated to start at item r mod n (A B C, then B C A, then
 * C A B, ...), so each contender runs first, and last, in as many rounds as the others (with
 * rounds a multiple of n): none always gets the cold start or always follows the same one.
 */
export function rotation<T>(items: readonly T[], r: number): T[] {
  const n = items.length;
  return Array.from({ length: n }, (_, i) => items[(r + i) % n]);
}

/**
 * Runs each contender's `batch` in interleaved rounds so machine noise hits them alike, rotating
 * the order every round (round r starts at contender r mod n), and returns every round's µs per
 * unit for each.
 */
export async function compareSamples(
  contenders: Contender[],
  batch: (c: Contender) => Promise<number>,
  rounds: number,
): Promise<Map<string, number[]>> {
  const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const c of rotation(contenders, r)) samples.get(c.name)!.push(await batch(c));
  }
  return samples;
}

/**
 * Wraps a batch so that it also records this process's CPU time (user + system, µs) per unit in
 * `cpu`, beside the wall time the batch returns. The emulator runs in its own process, so this is
 * the client's CPU alone: the cost that waiting on the network hides from wall time but a busy
 * server still pays.
 */
export function withCpu(
  batch: (c: Contender) => Promise<number>,
  units: number,
): { batch: (c: Contender) => Promise<number>; cpu: Map<string, number[]> } {
  const cpu = new Map<string, number[]>();
  return {
    cpu,
    batch: async (c) => {
      const start = process.cpuUsage();
      const wall = await batch(c);
      const used = process.cpuUsage(start);
      if (!cpu.has(c.name)) cpu.set(c.name, []);
      cpu.get(c.name)!.push((used.user + used.system) / units);
      return wall;
    },
  };
}

/** Like `compareSamples`, reduced to the median µs per unit for each contender. */
export async function compare(
  contenders: Contender[],
  batch: (c: Contender) => Promise<number>,
  rounds: number,
): Promise<Map<string, number>> {
  return medians(await compareSamples(contenders, batch, rounds));
}

/**
 * Median of the per-round ratios a[i] / b[i]: each round's two batches ran back to back, so a
 * load that drifts over the run cancels out of each ratio instead of skewing one median.
 */
export function pairedRatio(a: number[], b: number[]): number {
  return Math.round(median(a.map((x, i) => x / b[i])) * 1000) / 1000;
}

/** µs per call for `n` sequential calls. */
export async function sequential(c: Contender, n: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await c.run();
  return Number(process.hrtime.bigint() - start) / 1000 / n;
}

/** µs per call (wall time / n) for `n` calls started together. */
export async function concurrent(c: Contender, n: number): Promise<number> {
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: n }, () => c.run()));
  return Number(process.hrtime.bigint() - start) / 1000 / n;
}

/** µs for one call. */
export async function single(c: Contender): Promise<number> {
  const start = process.hrtime.bigint();
  await c.run();
  return Number(process.hrtime.bigint() - start) / 1000;
}

/** Prints rows as an aligned table. */
export function printTable(header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map((v) => (typeof v === "number" ? v.toFixed(1) : v)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => String(r[i]).length)));
  for (const [i, row] of cells.entries()) {
    console.log(row.map((v, j) => String(v).padStart(widths[j])).join("  "));
    if (i === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
  }
}

/** Samples of the three workloads bench:client and bench:model print, per contender. */
export interface OverheadSamples {
  sequential: Map<string, number[]>;
  concurrent: Map<string, number[]>;
  stream: Map<string, number[]>;
  latency: Map<string, number[]>;
  latencyCpu: Map<string, number[]>;
  paced: Map<string, number[]>;
  pacedCpu: Map<string, number[]>;
}

/** What the tables' headings say about the workloads. */
export interface OverheadWorkloads {
  /** First heading line, e.g. "bench:model — emulator in a separate process, model gpt-4.1". */
  title: string;
  rounds: number;
  /** "calls" or "invokes". */
  unit: string;
  sequential: number;
  concurrent: number;
  streamTokens: number;
  latencyMs: number;
  latencyCalls: number;
  pacedTokens: number;
  pacedTokenMs: number;
}

/** The BENCH_* knobs of bench:client and bench:model (see their top comments). */
export function overheadKnobs(env: NodeJS.ProcessEnv = process.env) {
  const n = (name: string, fallback: number) => Number(env[name] ?? fallback);
  const knobs = {
    SEQUENTIAL: n("BENCH_SEQUENTIAL", 2000),
    CONCURRENT: n("BENCH_CONCURRENT", 200),
    STREAM_TOKENS: n("BENCH_STREAM_TOKENS", 10_000),
    ROUNDS: n("BENCH_ROUNDS", 5),
    LATENCY_MS: n("BENCH_LATENCY_MS", 50),
    LATENCY_SEQUENTIAL: n("BENCH_LATENCY_SEQUENTIAL", 100),
    PACED_TOKENS: n("BENCH_PACED_TOKENS", 200),
    PACED_TOKEN_MS: n("BENCH_PACED_TOKEN_MS", 5),
  };
  return {
    ...knobs,
    // With ttft and per-token both 0 the emulator sends a whole stream in one write.
    streamHeaders: { "x-emulator-answer-tokens": String(knobs.STREAM_TOKENS) },
    latencyHeaders: { "x-emulator-ttft-ms": String(knobs.LATENCY_MS) },
    pacedHeaders: { "x-emulator-answer-tokens": String(knobs.PACED_TOKENS), "x-emulator-ttft-ms": "0", "x-emulator-per-token-ms": String(knobs.PACED_TOKEN_MS) },
  };
}

/** The four workloads of bench:client and bench:model, each a list of contenders. */
export interface OverheadContenders {
  invoke: Contender[];
  stream: Contender[];
  invokeLatency: Contender[];
  paced: Contender[];
}

/**
 * Samples the workloads that `printOverheadTables` shows, in interleaved rotated rounds: sequential
 * and concurrent invokes and one long stream at zero latency, then sequential invokes with
 * emulated latency and a paced stream, each with this process's CPU time beside the wall time.
 */
export async function sampleOverhead(
  c: OverheadContenders,
  n: { sequential: number; concurrent: number; latencySequential: number; rounds: number },
): Promise<OverheadSamples> {
  const sequentialRuns = await compareSamples(c.invoke, (x) => sequential(x, Math.ceil(n.sequential / n.rounds)), n.rounds);
  const concurrentRuns = await compareSamples(c.invoke, (x) => concurrent(x, n.concurrent), n.rounds);
  const streamRuns = await compareSamples(c.stream, (x) => single(x), Math.max(3, n.rounds));
  const perRound = Math.ceil(n.latencySequential / n.rounds);
  const latencyRun = withCpu((x) => sequential(x, perRound), perRound);
  const latency = await compareSamples(c.invokeLatency, latencyRun.batch, n.rounds);
  const pacedRun = withCpu((x) => single(x), 1);
  const paced = await compareSamples(c.paced, pacedRun.batch, Math.max(3, n.rounds));
  return { sequential: sequentialRuns, concurrent: concurrentRuns, stream: streamRuns, latency, latencyCpu: latencyRun.cpu, paced, pacedCpu: pacedRun.cpu };
}

/** Prints the zero-latency, emulated-latency and paced-stream tables, medians with their spread. */
export function printOverheadTables(names: string[], s: OverheadSamples, w: OverheadWorkloads): void {
  const m = (samples: Map<string, number[]>, n: string) => median(samples.get(n)!);
  const ms = (us: number) => (us / 1000).toFixed(2);
  const msSpread = (us: number[]) => spreadText(us.map((v) => v / 1000), 2);
  console.log(`${w.title}; ${w.rounds} interleaved rounds (3 at least for streams), contender order rotated each round;`);
  console.log("every figure is the median of the rounds, with the (min–max) of the rounds beside it\n");
  console.log("zero latency — the emulator answers at once: time per call is mostly client CPU overhead, not what a user waits for");
  console.log(`workloads: ${w.sequential} sequential ${w.unit}, ${w.concurrent} concurrent ${w.unit}, one ${w.streamTokens}-token stream sent in one write\n`);
  printTable(
    ["contender", "sequential µs/call", "(min–max)", "concurrent µs/call", "(min–max)", "stream µs/stream", "(min–max)"],
    names.map((n) => [n, m(s.sequential, n), spreadText(s.sequential.get(n)!), m(s.concurrent, n), spreadText(s.concurrent.get(n)!), m(s.stream, n), spreadText(s.stream.get(n)!)]),
  );
  console.log(`\n${w.latencyMs} ms before each answer — what a user waits for on a network; client CPU is this process's user + system time`);
  console.log(`workload: ${w.latencyCalls} sequential ${w.unit}\n`);
  printTable(
    ["contender", "wall ms/call", "(min–max)", "client CPU µs/call", "(min–max)"],
    names.map((n) => [n, ms(m(s.latency, n)), msSpread(s.latency.get(n)!), m(s.latencyCpu, n), spreadText(s.latencyCpu.get(n)!)]),
  );
  console.log(`\npaced stream — ${w.pacedTokens} tokens, one token per write, ${w.pacedTokenMs} ms apart (${Math.round(1000 / w.pacedTokenMs)} tokens/s)`);
  console.log("wall time is what a user waits for; client CPU is the per-token work the pacing hides\n");
  printTable(
    ["contender", "wall ms/stream", "(min–max)", "client CPU µs/stream", "(min–max)"],
    names.map((n) => [n, ms(m(s.paced, n)), msSpread(s.paced.get(n)!), m(s.pacedCpu, n), spreadText(s.pacedCpu.get(n)!)]),
  );
}

/** Ratio rounded to 3 decimals. */
export const ratio = (a: number, b: number): number => Math.round((a / b) * 1000) / 1000;

/**
 * The floor for streaming: one undici request whose SSE body is split into events and each
 * event parsed, with no client library in between. Returns how many content chunks arrived.
 */
export async function floorStream(url: string, headers: Record<string, string>, body: string, dispatcher: Dispatcher): Promise<number> {
  const res = await request(url, { method: "POST", headers, body, dispatcher });
  let buffered = "";
  let n = 0;
  for await (const part of res.body) {
    buffered += part.toString();
    let end: number;
    while ((end = buffered.indexOf("\n\n")) !== -1) {
      const data = buffered.slice(6, end);
      buffered = buffered.slice(end + 2);
      if (data !== "[DONE]" && (JSON.parse(data) as { choices: { delta?: { content?: string } }[] }).choices[0]?.delta?.content) n++;
    }
  }
  return n;
}
