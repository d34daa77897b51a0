/**
 * Scale-out and memory figures for bench:scale (bench/scale.bench.ts), against an emulator that
 * the caller runs in its own process.
 *
 * - `serverScale`: real server processes (`src/server/main.ts`) on a fresh store each: one on a
 *   SQLite file, two on one SQLite file, two on one PostgreSQL. After 2 warm-up runs, a burst of
 *   100 concurrent streamed runs over 20 threads (5 per thread, `multitaskStrategy: "enqueue"`),
 *   sent alternately to the servers; every stream is read to its end. Measured: completed and
 *   failed runs, throughput (completed / wall seconds of the burst), p50/p99 latency (request to
 *   end of stream), and, from each thread as the first server shows it, lost user messages (a
 *   completed run's task missing) and duplicated ones (extra copies of a user message).
 * - `memoryOverTime`: one server in this process on a SQLite file; passes of concurrent streamed
 *   runs, each on a new thread, then heap used (after two forced GCs) and RSS per pass.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { setMaxListeners } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createLogger } from "../src/logging/index.js";
import { startServer } from "../src/server/index.js";
import { offlineEnv } from "../test/helpers/cli.js";
import { startPostgres, type PostgresCluster } from "../test/helpers/postgres.js";
import { printTable, ratio, type EmulatorInfo } from "./harness.js";
import { percentile } from "./latency.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const RUNS = 100;
const THREADS = 20;

/** One setup's figures. */
export interface SetupResult {
  name: string;
  /** Short identifier for JSON keys: one_sqlite, two_sqlite, two_postgres. */
  key: string;
  runs: number;
  completed: number;
  failed: number;
  throughputPerS: number;
  p50Ms: number;
  p99Ms: number;
  lostMessages: number;
  duplicateMessages: number;
}

/** What `serverScale` returns; `throughput_vs_one` is keyed by setup `key`. */
export interface ServerScaleResult {
  setups: SetupResult[];
  throughput_vs_one: Record<string, number>;
}

/** Server settings on the emulator, with the per-client run limits raised above any burst here. */
function serverEnv(emulator: EmulatorInfo, dir: string, name: string): Record<string, string> {
  return {
    HOST: "127.0.0.1",
    CONFIG_STORE_PATH: join(dir, `${name}-providers.json`),
    AI_GATEWAY_BASE_URL: emulator.baseUrl,
    AI_GATEWAY_CLIENT_ID: emulator.clientId,
    AI_GATEWAY_CLIENT_SECRET: emulator.clientSecret,
    ALLOW_INSECURE_LOOPBACK_PROVIDERS: "true",
    LOG_LEVEL: "warn",
    // Every request comes from 127.0.0.1, one client: waiting runs count towards RUN_CONCURRENCY_MAX.
    RUN_RATE_LIMIT_MAX: "1000000",
    RUN_CONCURRENCY_MAX: "10000",
    RUN_QUEUE_MAX: "1000",
  };
}

/** A server process; `stop` sends SIGTERM and waits for it to exit. */
async function spawnServer(env: Record<string, string>): Promise<{ url: string; stderr: () => string; stop: () => Promise<void> }> {
  const proc: ChildProcess = spawn(process.execPath, ["--import", "tsx", "src/server/main.ts"], { cwd: root, env: offlineEnv({ PORT: "0", ...env }), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  proc.stderr!.on("data", (d) => (stderr += d));
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout!.on("data", (d) => {
      stdout += d;
      if (stdout.includes("\n")) resolve((JSON.parse(stdout.split("\n")[0]) as { url: string }).url);
    });
    proc.once("exit", (code) => reject(new Error(`server exited (${code}) before listening:\n${stderr.slice(-3000)}`)));
  });
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
    const force = setTimeout(() => proc.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(force);
  };
  return { url, stderr: () => stderr, stop };
}

/** One streamed run: whether it completed (200, a final answer, `end`, no `error`) and its latency. */
interface RunOutcome {
  task: string;
  completed: boolean;
  ms: number;
  /** Why it failed, e.g. "HTTP 503 too_many_runs" or "error run_failed". */
  reason?: string;
}

async function streamRun(url: string, task: string, threadId: string, tier = "fast"): Promise<RunOutcome> {
  const start = performance.now();
  try {
    const res = await fetch(`${url}/api/runs/stream`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ task, threadId, tier, multitaskStrategy: "enqueue" }),
    });
    const text = await res.text();
    const ms = performance.now() - start;
    if (res.status !== 200) {
      const code = /"code":"([^"]*)"/.exec(text)?.[1];
      return { task, completed: false, ms, reason: `HTTP ${res.status} ${code ?? ""}`.trim() };
    }
    const events = text.split("\n\n").map((frame) => ({ event: /^event: (.*)$/m.exec(frame)?.[1], data: /^data: (.*)$/m.exec(frame)?.[1] }));
    const error = events.find((e) => e.event === "error");
    if (error) return { task, completed: false, ms, reason: `error ${(JSON.parse(error.data ?? "{}") as { code?: string }).code ?? ""}`.trim() };
    const names = new Set(events.map((e) => e.event));
    if (!names.has("final_answer") || !names.has("end")) return { task, completed: false, ms, reason: "stream ended without final_answer/end" };
    return { task, completed: true, ms };
  } catch (err) {
    return { task, completed: false, ms: performance.now() - start, reason: `request failed: ${(err as Error).message}` };
  }
}

/** Failure reasons with their counts, for one printed line. */
const reasonsOf = (outcomes: RunOutcome[]) => {
  const counts = new Map<string, number>();
  for (const o of outcomes) if (!o.completed) counts.set(o.reason ?? "?", (counts.get(o.reason ?? "?") ?? 0) + 1);
  return [...counts].map(([r, n]) => `${r} ×${n}`).join(", ");
};

/** The burst and the thread check on running servers. */
async function measure(name: string, key: string, urls: string[]): Promise<SetupResult> {
  for (let i = 0; i < 2; i++) {
    const warm = await streamRun(urls[i % urls.length], `Say hello, warm-up ${i}`, `${key}-warm-${i}`);
    if (!warm.completed) throw new Error(`${name}: warm-up run failed (${warm.reason})`);
  }
  const perThread = RUNS / THREADS;
  const started = performance.now();
  // Run i goes to thread floor(i / 5), so each thread's runs alternate between the two servers.
  const outcomes = await Promise.all(
    Array.from({ length: RUNS }, (_, i) => {
      const t = Math.floor(i / perThread);
      return streamRun(urls[i % urls.length], `Say hello, run ${i} on thread ${t}`, `${key}-thread-${t}`);
    }),
  );
  const wallS = (performance.now() - started) / 1000;
  const done = outcomes.filter((o) => o.completed);
  let lostMessages = 0;
  let duplicateMessages = 0;
  for (let t = 0; t < THREADS; t++) {
    const res = await fetch(`${urls[0]}/api/threads/${key}-thread-${t}`);
    if (res.status !== 200) throw new Error(`${name}: GET /api/threads/${key}-thread-${t} answered ${res.status}: ${await res.text()}`);
    const { messages } = (await res.json()) as { messages: { role: string; content: string }[] };
    const counts = new Map<string, number>();
    for (const m of messages) if (m.role === "user") counts.set(m.content, (counts.get(m.content) ?? 0) + 1);
    for (const n of counts.values()) if (n > 1) duplicateMessages += n - 1;
    const sent = outcomes.slice(t * perThread, (t + 1) * perThread).filter((o) => o.completed);
    lostMessages += sent.filter((o) => !counts.has(o.task)).length;
  }
  if (done.length < RUNS) console.log(`${name}: ${RUNS - done.length} runs failed: ${reasonsOf(outcomes)}`);
  const latencies = outcomes.map((o) => o.ms);
  return {
    name,
    key,
    runs: RUNS,
    completed: done.length,
    failed: RUNS - done.length,
    throughputPerS: Math.round((done.length / wallS) * 10) / 10,
    p50Ms: Math.round(percentile(latencies, 0.5)),
    p99Ms: Math.round(percentile(latencies, 0.99)),
    lostMessages,
    duplicateMessages,
  };
}

/** The three setups in order; prints a table of their figures. */
export async function serverScale(emulator: EmulatorInfo): Promise<ServerScaleResult> {
  const setups: SetupResult[] = [];
  let cluster: PostgresCluster | undefined;
  const plans: { name: string; key: string; processes: number; store: (dir: string) => Promise<Record<string, string>> }[] = [
    { name: "one process (SQLite)", key: "one_sqlite", processes: 1, store: async (dir) => ({ CHECKPOINT_SQLITE_PATH: join(dir, "checkpoints.sqlite") }) },
    { name: "two processes, one SQLite file", key: "two_sqlite", processes: 2, store: async (dir) => ({ CHECKPOINT_SQLITE_PATH: join(dir, "checkpoints.sqlite") }) },
    { name: "two processes, one PostgreSQL", key: "two_postgres", processes: 2, store: async () => ({ DATABASE_URL: (cluster = await startPostgres()).url }) },
  ];
  try {
    for (const plan of plans) {
      const dir = mkdtempSync(join(tmpdir(), "bench-scale-"));
      const servers: Awaited<ReturnType<typeof spawnServer>>[] = [];
      try {
        const store = await plan.store(dir);
        const started = await Promise.allSettled(Array.from({ length: plan.processes }, (_, i) => spawnServer({ ...serverEnv(emulator, dir, `s${i}`), ...store })));
        for (const s of started) if (s.status === "fulfilled") servers.push(s.value);
        const failure = started.find((s) => s.status === "rejected");
        if (failure) throw (failure as PromiseRejectedResult).reason;
        setups.push(await measure(plan.name, plan.key, servers.map((s) => s.url)));
      } catch (err) {
        const logs = servers.map((s) => s.stderr().slice(-2000)).filter(Boolean).join("\n");
        throw new Error(`${plan.name}: ${(err as Error).message}${logs ? `\nserver stderr:\n${logs}` : ""}`, { cause: err });
      } finally {
        await Promise.all(servers.map((s) => s.stop()));
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await cluster?.stop();
  }
  const one = setups[0].throughputPerS;
  const throughput_vs_one = Object.fromEntries(setups.map((s) => [s.key, ratio(s.throughputPerS, one)]));
  console.log(`\nscale out — ${RUNS} concurrent streamed runs over ${THREADS} threads (enqueue), sent alternately to the servers; latency is request to end of stream\n`);
  printTable(
    ["setup", "runs", "completed", "failed", "runs/s", "p50 ms", "p99 ms", "lost msgs", "duplicated msgs", "× one process"],
    setups.map((s) => [s.name, String(s.runs), String(s.completed), String(s.failed), s.throughputPerS, String(s.p50Ms), String(s.p99Ms), String(s.lostMessages), String(s.duplicateMessages), throughput_vs_one[s.key].toFixed(2)]),
  );
  console.log("");
  return { setups, throughput_vs_one };
}

/** Heap after GC and RSS after each pass of `streams` concurrent streamed runs on one in-process server. */
export async function memoryOverTime(
  emulator: EmulatorInfo,
  passes = 10,
  streams = 200,
): Promise<{ perPass: { pass: number; heapAfterGcMb: number; rssMb: number }[]; heapGrowthMb: number; heapGrowthLateMb: number }> {
  const gc = globalThis.gc;
  if (typeof gc !== "function") throw new Error("memoryOverTime measures the heap after GC: run node with --expose-gc.");
  // As src/server/main.ts does: each LangGraph step adds an abort listener to the run's signal.
  setMaxListeners(64);
  const dir = mkdtempSync(join(tmpdir(), "bench-scale-"));
  const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
  const perPass: { pass: number; heapAfterGcMb: number; rssMb: number }[] = [];
  try {
    const server = await startServer({
      env: { ...serverEnv(emulator, dir, "memory"), CHECKPOINT_SQLITE_PATH: join(dir, "checkpoints.sqlite") },
      logger: createLogger({ level: "warn", format: "json" }),
      port: 0,
      host: "127.0.0.1",
    });
    try {
      console.log(`memory over time — ${passes} passes of ${streams} concurrent streamed runs (each on a new thread), one in-process server on SQLite`);
      for (let pass = 1; pass <= passes; pass++) {
        const outcomes = await Promise.all(Array.from({ length: streams }, (_, i) => streamRun(server.url, `Say hello, pass ${pass} stream ${i}`, `memory-${pass}-${i}`)));
        gc();
        gc();
        await new Promise((r) => setTimeout(r, 100));
        const usage = process.memoryUsage();
        perPass.push({ pass, heapAfterGcMb: mb(usage.heapUsed), rssMb: mb(usage.rss) });
        const failed = outcomes.filter((o) => !o.completed).length;
        console.log(`pass ${pass}: heap after GC ${mb(usage.heapUsed)} MB, rss ${mb(usage.rss)} MB${failed ? `; ${failed} runs failed: ${reasonsOf(outcomes)}` : ""}`);
      }
    } finally {
      await server.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const heapGrowthMb = perPass.length ? Math.round((perPass[perPass.length - 1].heapAfterGcMb - perPass[0].heapAfterGcMb) * 10) / 10 : 0;
  // Over the last half of the passes (the last 5 of 10): warm-up (caches, JIT) is over by then, so growth here is what keeps growing.
  const late = perPass.slice(-Math.max(2, Math.ceil(perPass.length / 2)));
  const heapGrowthLateMb = late.length >= 2 ? Math.round((late[late.length - 1].heapAfterGcMb - late[0].heapAfterGcMb) * 10) / 10 : 0;
  console.log(`heap growth, last pass minus first: ${heapGrowthMb} MB; over the last ${late.length} passes: ${heapGrowthLateMb} MB\n`);
  return { perPass, heapGrowthMb, heapGrowthLateMb };
}
