/**
 * `npm run bench:scale`: what a thread and a store cost over time, and what several server
 * processes on one store do under load.
 *
 * 1. Storage and context: 30 runs of a 60 KB task on one thread, through the orchestrator with
 *    the SQLite checkpointer, each run claimed and released as the CLI and the server do (the
 *    release prunes the thread). Printed per run: wall time, the thread's messages and size, and
 *    the SQLite files' size. `storage_ratio` is the files' size after run 30 over the
 *    conversation's own size (every task and answer once); `run30_vs_run1` is the median wall
 *    time of runs 28-30 over that of runs 1-3 (a median of three, because one run at zero model
 *    latency is a few milliseconds of noise). Targets: at most 5 and at most 2.
 * 2. Scale out (bench/scale_servers.ts): 100 concurrent streamed runs over 20 threads against
 *    one server process, two on one SQLite file and two on one PostgreSQL; throughput, p50/p99,
 *    and lost or duplicated messages (targets 0).
 * 3. Memory over time: passes of 200 concurrent streams against one in-process server, heap
 *    after GC and RSS per pass; `heap_growth_mb` is the last pass's heap minus the first's
 *    (target at most 10), `heap_growth_late_mb` the growth over the last 5 of the 10 passes.
 *    `failed_<setup>` counts the runs of each scale-out setup that did not complete.
 *
 * Runs with --expose-gc (the npm script sets it). The last line is one JSON object.
 * Knobs: BENCH_SCALE_RUNS (30), BENCH_SCALE_TASK_KB (60), BENCH_SCALE_PASSES (10), BENCH_SCALE_STREAMS (200).
 */
import { statSync, mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BaseMessage } from "@langchain/core/messages";
import { isSummaryMessage } from "../agents/middleware/thread_summary.js";
import { createOrchestrator } from "../graphs/orchestrator/graph.js";
import { streamSteps } from "../src/runs/index.js";
import { createCheckpointer } from "../graphs/persistence.js";
import { createLogger } from "../src/logging/index.js";
import { ProviderRegistry } from "../src/providers/index.js";
import { median, printTable, startEmulatorProcess, type EmulatorInfo } from "./harness.js";
import { memoryOverTime, serverScale } from "./scale_servers.js";

const RUNS = Number(process.env.BENCH_SCALE_RUNS ?? 30);
const TASK_KB = Number(process.env.BENCH_SCALE_TASK_KB ?? 60);
const PASSES = Number(process.env.BENCH_SCALE_PASSES ?? 10);
const STREAMS = Number(process.env.BENCH_SCALE_STREAMS ?? 200);

const logger = createLogger({ level: "error", format: "json" });

/** A task of TASK_KB kilobytes: a question, then filler text that changes from run to run. */
function taskOf(n: number): string {
  const head = `Run ${n}: say hello and sum up the notes below in one line.\n`;
  const filler = Array.from({ length: Math.ceil((TASK_KB * 1024) / 48) }, (_, i) => `note ${n}.${i}: the queue moved forward a bit. `).join("");
  return (head + filler).slice(0, TASK_KB * 1024);
}

const fileBytes = (path: string) => ["", "-wal", "-shm"].reduce((sum, ext) => sum + (existsSync(path + ext) ? statSync(path + ext).size : 0), 0);

/** Part 1: one thread, RUNS long runs, on a SQLite file. */
async function storage(info: EmulatorInfo) {
  const dir = mkdtempSync(join(tmpdir(), "bench-scale-storage-"));
  const path = join(dir, "checkpoints.sqlite");
  const registry = await ProviderRegistry.create({
    env: { AI_GATEWAY_BASE_URL: info.baseUrl, AI_GATEWAY_CLIENT_ID: info.clientId, AI_GATEWAY_CLIENT_SECRET: info.clientSecret },
    logger,
  });
  const handle = await createCheckpointer({ sqlitePath: path });
  try {
    const graph = createOrchestrator({ registry, checkpointer: handle.checkpointer, logger });
    const threadId = "bench-scale-long-thread";
    let conversationBytes = 0;
    const rows: (string | number)[][] = [];
    const times: number[] = [];
    for (let n = 1; n <= RUNS; n++) {
      const task = taskOf(n);
      const claim = await handle.claims.tryClaim(threadId);
      if (!claim) throw new Error(`thread ${threadId} is claimed by someone else`);
      const t0 = performance.now();
      let answer = "";
      let tier = "";
      try {
        for await (const e of streamSteps({ messages: [{ role: "user", content: task }] }, { graph, threadId, tokens: false })) {
          if (e.type === "final_answer") [answer, tier] = [e.answer, e.tier];
        }
      } finally {
        await claim.release();
      }
      const ms = performance.now() - t0;
      if (!answer) throw new Error(`run ${n} gave no answer`);
      times.push(ms);
      conversationBytes += Buffer.byteLength(task) + Buffer.byteLength(answer);
      const messages = ((await graph.getState({ configurable: { thread_id: threadId } })).values as { messages: BaseMessage[] }).messages;
      const threadKb = messages.reduce((sum, m) => sum + Buffer.byteLength(m.text), 0) / 1024;
      // Whole numbers as text: the table prints numbers with one decimal.
      rows.push([n, tier, Math.round(ms), messages.length, messages.some(isSummaryMessage) ? "yes" : "no", Math.round(threadKb), Math.round(fileBytes(path) / 1024)].map(String));
    }
    console.log(`storage and context — ${RUNS} runs of a ${TASK_KB} KB task on one thread, SQLite, CHECKPOINT_KEEP=${handle.retention.keep}, default tier budgets`);
    printTable(["run", "tier", "ms", "messages", "summary", "thread KB", "SQLite KB"], rows);
    const stats = await handle.retention.stats(threadId);
    const storeBytes = fileBytes(path);
    const storageRatio = Math.round((storeBytes / conversationBytes) * 100) / 100;
    const first = median(times.slice(0, 3));
    const last = median(times.slice(-3));
    const run30VsRun1 = Math.round((last / first) * 100) / 100;
    console.log(
      `conversation ${Math.round(conversationBytes / 1024)} KB, SQLite files ${Math.round(storeBytes / 1024)} KB (ratio ${storageRatio}); ` +
        `${stats.kept} checkpoints kept, ${stats.pruned} pruned; runs 1-3 median ${Math.round(first)} ms, runs ${RUNS - 2}-${RUNS} median ${Math.round(last)} ms (ratio ${run30VsRun1})\n`,
    );
    return { storage_ratio: storageRatio, run30_vs_run1: run30VsRun1 };
  } finally {
    await handle.close();
    await registry.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (typeof globalThis.gc !== "function") throw new Error("bench:scale measures the heap after GC: run it with node --expose-gc (npm run bench:scale does).");
const emulator = await startEmulatorProcess();
const slow = await startEmulatorProcess(["--ttft-ms", "50"]);
try {
  const stored = await storage(emulator.info);
  const scale = await serverScale(slow.info);
  const memory = await memoryOverTime(emulator.info, PASSES, STREAMS);
  console.log(
    JSON.stringify({
      bench: "scale",
      lost_messages: scale.setups.reduce((sum, s) => sum + s.lostMessages, 0),
      duplicate_messages: scale.setups.reduce((sum, s) => sum + s.duplicateMessages, 0),
      ...stored,
      heap_growth_mb: memory.heapGrowthMb,
      heap_growth_late_mb: memory.heapGrowthLateMb,
      ...Object.fromEntries(scale.setups.map((s) => [`failed_${s.key}`, s.failed])),
      ...Object.fromEntries(scale.setups.map((s) => [`throughput_${s.key}_per_s`, s.throughputPerS])),
      ...Object.fromEntries(Object.entries(scale.throughput_vs_one).map(([key, r]) => [`throughput_${key}_vs_one`, r])),
    }),
  );
} finally {
  await emulator.stop();
  await slow.stop();
}
