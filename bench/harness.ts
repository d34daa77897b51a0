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

/**
 * Runs each contender's `batch` in interleaved rounds (A, B, C, A, B, C, ...) so machine noise
 * hits them alike, and returns every round's µs per unit for each.
 */
export async function compareSamples(
  contenders: Contender[],
  batch: (c: Contender) => Promise<number>,
  rounds: number,
): Promise<Map<string, number[]>> {
  const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const c of contenders) samples.get(c.name)!.push(await batch(c));
  }
  return samples;
}

/** Like `compareSamples`, reduced to the median µs per unit for each contender. */
export async function compare(
  contenders: Contender[],
  batch: (c: Contender) => Promise<number>,
  rounds: number,
): Promise<Map<string, number>> {
  const samples = await compareSamples(contenders, batch, rounds);
  return new Map([...samples].map(([name, s]) => [name, median(s)]));
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
