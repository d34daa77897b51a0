/**
 * `npm run bench`: every performance figure in one table, then one JSON line with all of it.
 *
 * - Overhead ratios: runs bench:client, bench:model and bench:orchestrator as child processes
 *   and reads the JSON line each ends with (their own knobs apply: BENCH_SEQUENTIAL,
 *   BENCH_CONCURRENT, BENCH_ROUNDS, BENCH_STREAM_TOKENS, BENCH_LATENCY_MS,
 *   BENCH_LATENCY_SEQUENTIAL, BENCH_PACED_TOKENS, BENCH_PACED_TOKEN_MS, BENCH_FANOUT_ROUNDS).
 * - Added latency: p50 and p99 of ChatAIGateway (and ChatOpenAI, for comparison) minus those of
 *   a bare undici request + JSON.parse, at concurrency 1, 50 and 200 (closed loop), contenders
 *   interleaved round by round (order rotated each round) against one emulator in its own process.
 * - Stream throughput: tokens/s of one 10,000-token stream, ChatAIGateway vs ChatOpenAI vs floor.
 * - Memory: this process's rss / heap after those runs (after a forced GC).
 *
 * Knobs: BENCH_CHILDREN (comma list, default "client,model,orchestrator"; "" skips them),
 * BENCH_LATENCY_LEVELS (default "1,50,200"), BENCH_LATENCY_CALLS (calls per contender per round
 * and level; default max(300, 10 x concurrency)), BENCH_LATENCY_ROUNDS (5),
 * BENCH_STREAM_TOKENS (10000), BENCH_STREAM_ROUNDS (5).
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { ChatOpenAI } from "@langchain/openai";
import { Agent, request } from "undici";
import { AIGatewayClient } from "../src/gateway/index.js";
import { createLogger } from "../src/logging/index.js";
import { ChatAIGateway } from "../src/models/index.js";
import { floorStream, median, printTable, ratio, rotation, startEmulatorProcess } from "./harness.js";
import { closedLoop, forcedGc, memoryMb, percentile } from "./latency.js";

const list = (v: string | undefined, d: string) => (v ?? d).split(",").map((s) => s.trim()).filter((s) => s !== "");
const CHILDREN = list(process.env.BENCH_CHILDREN, "client,model,orchestrator");
const LEVELS = list(process.env.BENCH_LATENCY_LEVELS, "1,50,200").map(Number);
const LATENCY_CALLS = process.env.BENCH_LATENCY_CALLS ? Number(process.env.BENCH_LATENCY_CALLS) : undefined;
const LATENCY_ROUNDS = Number(process.env.BENCH_LATENCY_ROUNDS ?? 5);
const STREAM_TOKENS = Number(process.env.BENCH_STREAM_TOKENS ?? 10_000);
const STREAM_ROUNDS = Number(process.env.BENCH_STREAM_ROUNDS ?? 5);
const MODEL = "gpt-4.1";
const PROMPT = "Say hello to the benchmark.";
const root = fileURLToPath(new URL("..", import.meta.url));
const started = performance.now();
const progress = (text: string) => process.stderr.write(`bench: ${text}\n`);

/** Runs `bench/<name>.bench.ts` in a child process and parses the JSON line it ends with. */
async function runChildBench(name: string): Promise<Record<string, unknown>> {
  progress(`running bench:${name} in a child process`);
  const child = spawn(process.execPath, ["--import", "tsx", `bench/${name}.bench.ts`], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  const last = out.trim().split("\n").at(-1) ?? "";
  if (code !== 0) throw new Error(`bench:${name} exited with code ${code}`);
  const { bench: _name, ...figures } = JSON.parse(last) as Record<string, unknown>;
  return figures;
}

const childResults: Record<string, Record<string, unknown>> = {};
for (const name of CHILDREN) childResults[name] = await runChildBench(name);

// In-process part: one emulator in its own process, three contenders side by side.
const gc = forcedGc();
const memoryStart = memoryMb(gc);
const staticKey = `bench-${randomBytes(12).toString("hex")}`;
const { info, stop } = await startEmulatorProcess(["--static-api-key", staticKey]);
const latency: Record<string, Record<string, number>> = {};
const tokensPerSecond: Record<string, number> = {};
let memoryEnd: ReturnType<typeof memoryMb>;
try {
  const logger = createLogger({ level: "warn", format: "json" });
  const client = new AIGatewayClient({ baseUrl: info.baseUrl, clientId: info.clientId, clientSecret: info.clientSecret, logger });
  const streamHeaders = { "x-emulator-answer-tokens": String(STREAM_TOKENS) };
  const gateway = new ChatAIGateway({ model: MODEL, client, maxRetries: 0 });
  const gatewayStream = new ChatAIGateway({ model: MODEL, client, maxRetries: 0, headers: streamHeaders });
  const openai = new ChatOpenAI({ model: MODEL, apiKey: staticKey, maxRetries: 0, configuration: { baseURL: info.apiUrl } });
  const openaiStream = new ChatOpenAI({ model: MODEL, apiKey: staticKey, maxRetries: 0, configuration: { baseURL: info.apiUrl, defaultHeaders: streamHeaders } });
  const floorAgent = new Agent({ keepAliveTimeout: 30_000 });
  const url = `${info.apiUrl}/chat/completions`;
  const floorHeaders = { "content-type": "application/json", authorization: `Bearer ${staticKey}` };
  const body = { model: MODEL, messages: [{ role: "user", content: PROMPT }] };
  const check = (text: unknown, who: string) => {
    if (typeof text !== "string" || !text.startsWith("Simulated")) throw new Error(`${who} returned an unexpected answer`);
  };

  const invoke: Record<string, () => Promise<void>> = {
    ChatAIGateway: async () => check((await gateway.invoke(PROMPT)).content, "ChatAIGateway"),
    ChatOpenAI: async () => check((await openai.invoke(PROMPT)).content, "ChatOpenAI"),
    "undici floor": async () => {
      const res = await request(url, { method: "POST", headers: floorHeaders, body: JSON.stringify(body), dispatcher: floorAgent });
      check((JSON.parse(await res.body.text()) as { choices: { message: { content: string } }[] }).choices[0].message.content, "floor");
    },
  };
  const count = async (stream: AsyncIterable<{ content: unknown }>, who: string) => {
    let n = 0;
    for await (const chunk of stream) if (typeof chunk.content === "string" && chunk.content !== "") n++;
    if (n !== STREAM_TOKENS) throw new Error(`${who} streamed ${n} tokens, expected ${STREAM_TOKENS}`);
  };
  const stream: Record<string, () => Promise<void>> = {
    ChatAIGateway: async () => count(await gatewayStream.stream(PROMPT), "ChatAIGateway"),
    ChatOpenAI: async () => count(await openaiStream.stream(PROMPT), "ChatOpenAI"),
    "undici floor": async () => {
      const payload = JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } });
      const n = await floorStream(url, { ...floorHeaders, ...streamHeaders }, payload, floorAgent);
      if (n !== STREAM_TOKENS) throw new Error(`floor streamed ${n} tokens`);
    },
  };
  const names = Object.keys(invoke);

  progress("warming up");
  for (const name of names) {
    for (let i = 0; i < 200; i++) await invoke[name]();
    await closedLoop(invoke[name], 400, 200);
    await stream[name]();
  }

  for (const level of LEVELS) {
    const calls = LATENCY_CALLS ?? Math.max(300, 10 * level);
    progress(`latency at concurrency ${level}: ${LATENCY_ROUNDS} rounds x ${calls} calls per contender`);
    // Per round and contender: p50, p99 and calls/s; the figures are medians over the rounds,
    // so one disturbed round (a GC pause in the emulator, say) does not decide a p99.
    const perRound = new Map<string, { p50: number[]; p99: number[]; rate: number[] }>(names.map((n) => [n, { p50: [], p99: [], rate: [] }]));
    for (let r = 0; r < LATENCY_ROUNDS; r++) {
      // Round r starts at contender r mod n, so no contender always goes first.
      for (const name of rotation(names, r)) {
        // Untimed: one call per worker first, so idle connections the emulator closed (its
        // keep-alive timeout is 5 s) are open again and every timed batch runs in steady state.
        await closedLoop(invoke[name], level, level);
        const t = performance.now();
        const lat = await closedLoop(invoke[name], calls, level);
        const s = perRound.get(name)!;
        s.rate.push(calls / ((performance.now() - t) / 1000));
        s.p50.push(percentile(lat, 0.5));
        s.p99.push(percentile(lat, 0.99));
      }
    }
    const m = (name: string, key: "p50" | "p99" | "rate") => median(perRound.get(name)![key]);
    const r3 = (n: number) => Math.round(n * 1000) / 1000;
    latency[`c${level}`] = {
      p50_added_ms: r3(m("ChatAIGateway", "p50") - m("undici floor", "p50")),
      p99_added_ms: r3(m("ChatAIGateway", "p99") - m("undici floor", "p99")),
      chatopenai_p50_added_ms: r3(m("ChatOpenAI", "p50") - m("undici floor", "p50")),
      chatopenai_p99_added_ms: r3(m("ChatOpenAI", "p99") - m("undici floor", "p99")),
      floor_p50_ms: r3(m("undici floor", "p50")),
      floor_p99_ms: r3(m("undici floor", "p99")),
      calls_per_s: Math.round(m("ChatAIGateway", "rate")),
      chatopenai_calls_per_s: Math.round(m("ChatOpenAI", "rate")),
      floor_calls_per_s: Math.round(m("undici floor", "rate")),
      calls_per_round: calls,
    };
  }

  progress(`stream throughput: ${STREAM_ROUNDS} interleaved rounds of one ${STREAM_TOKENS}-token stream each`);
  const streamSeconds = new Map<string, number[]>(names.map((n) => [n, []]));
  for (let r = 0; r < STREAM_ROUNDS; r++) {
    for (const name of rotation(names, r)) {
      const t = performance.now();
      await stream[name]();
      streamSeconds.get(name)!.push((performance.now() - t) / 1000);
    }
  }
  for (const name of names) tokensPerSecond[name] = Math.round(STREAM_TOKENS / median(streamSeconds.get(name)!));

  await client.close();
  await floorAgent.close();
  memoryEnd = memoryMb(gc);
} finally {
  await stop();
}

// One table: section, measure, value.
const fmt = (n: unknown, digits = 3) => (typeof n === "number" ? n.toFixed(digits) : String(n));
const rows: string[][] = [];
const childLabels: Record<string, Record<string, string>> = {
  client: {
    sequential_vs_openai: "AIGatewayClient / openai client, sequential",
    concurrent_vs_openai: "AIGatewayClient / openai client, 200 concurrent",
    stream_vs_openai: "AIGatewayClient / openai client, stream",
    sequential_vs_floor: "AIGatewayClient / undici floor, sequential",
    concurrent_vs_floor: "AIGatewayClient / undici floor, 200 concurrent",
    stream_vs_floor: "AIGatewayClient / undici floor, stream",
    sequential_50ms_vs_openai: "AIGatewayClient / openai client, sequential at 50 ms latency",
    sequential_50ms_vs_floor: "AIGatewayClient / undici floor, sequential at 50 ms latency",
    sequential_50ms_cpu_vs_openai: "AIGatewayClient / openai client, client CPU per call at 50 ms latency",
    sequential_50ms_cpu_vs_floor: "AIGatewayClient / undici floor, client CPU per call at 50 ms latency",
    paced_stream_vs_openai: "AIGatewayClient / openai client, paced stream",
    paced_stream_vs_floor: "AIGatewayClient / undici floor, paced stream",
    paced_stream_cpu_vs_openai: "AIGatewayClient / openai client, client CPU per paced stream",
    paced_stream_cpu_vs_floor: "AIGatewayClient / undici floor, client CPU per paced stream",
  },
  model: {
    invoke_vs_chatopenai: "ChatAIGateway / ChatOpenAI, sequential",
    concurrent_vs_chatopenai: "ChatAIGateway / ChatOpenAI, 200 concurrent",
    stream_vs_chatopenai: "ChatAIGateway / ChatOpenAI, stream",
    invoke_vs_floor: "ChatAIGateway / undici floor, sequential",
    concurrent_vs_floor: "ChatAIGateway / undici floor, 200 concurrent",
    stream_vs_floor: "ChatAIGateway / undici floor, stream",
    invoke_50ms_vs_chatopenai: "ChatAIGateway / ChatOpenAI, sequential at 50 ms latency",
    invoke_50ms_vs_floor: "ChatAIGateway / undici floor, sequential at 50 ms latency",
    invoke_50ms_cpu_vs_chatopenai: "ChatAIGateway / ChatOpenAI, client CPU per call at 50 ms latency",
    invoke_50ms_cpu_vs_floor: "ChatAIGateway / undici floor, client CPU per call at 50 ms latency",
    paced_stream_vs_chatopenai: "ChatAIGateway / ChatOpenAI, paced stream",
    paced_stream_vs_floor: "ChatAIGateway / undici floor, paced stream",
    paced_stream_cpu_vs_chatopenai: "ChatAIGateway / ChatOpenAI, client CPU per paced stream",
    paced_stream_cpu_vs_floor: "ChatAIGateway / undici floor, client CPU per paced stream",
  },
  orchestrator: {
    sequential_vs_agent: "orchestrator / fast agent directly, sequential",
    concurrent_vs_agent: "orchestrator / fast agent directly, 50 concurrent",
    sequential_vs_floor: "orchestrator / LangGraph router+agent floor, sequential",
    concurrent_vs_floor: "orchestrator / LangGraph router+agent floor, 50 concurrent",
    floor_sequential_vs_agent: "LangGraph router+agent floor / fast agent directly, sequential",
    floor_concurrent_vs_agent: "LangGraph router+agent floor / fast agent directly, 50 concurrent",
    sqlite_sequential_vs_orchestrator: "orchestrator + SQLite checkpointer / orchestrator, sequential",
    sqlite_concurrent_vs_orchestrator: "orchestrator + SQLite checkpointer / orchestrator, 50 concurrent",
    sqlite_sequential_vs_agent: "orchestrator + SQLite checkpointer / fast agent directly, sequential",
    sqlite_concurrent_vs_agent: "orchestrator + SQLite checkpointer / fast agent directly, 50 concurrent",
    classifier_sequential_vs_orchestrator: "orchestrator + classifier / orchestrator, sequential",
    classifier_concurrent_vs_orchestrator: "orchestrator + classifier / orchestrator, 50 concurrent",
    classifier_sequential_vs_agent: "orchestrator + classifier / fast agent directly, sequential",
    classifier_concurrent_vs_agent: "orchestrator + classifier / fast agent directly, 50 concurrent",
    sequential_50ms_vs_agent: "orchestrator / fast agent directly, sequential at 50 ms latency",
    sequential_50ms_vs_floor: "orchestrator / LangGraph router+agent floor, sequential at 50 ms latency",
    sqlite_sequential_50ms_vs_orchestrator: "orchestrator + SQLite checkpointer / orchestrator, sequential at 50 ms latency",
    classifier_sequential_50ms_vs_orchestrator: "orchestrator + classifier / orchestrator, sequential at 50 ms latency",
    sequential_50ms_cpu_vs_agent: "orchestrator / fast agent directly, client CPU per run at 50 ms latency",
    fanout_4_vs_1: "plan of 4 subtasks / plan of 1, at 200 ms per model call",
  },
};
for (const [name, figures] of Object.entries(childResults)) {
  for (const [key, value] of Object.entries(figures)) rows.push([`overhead (${name})`, `${childLabels[name]?.[key] ?? key} (time ratio)`, fmt(value)]);
}
for (const [level, f] of Object.entries(latency)) {
  const c = level.slice(1);
  rows.push([`latency c=${c}`, "ChatAIGateway p50 / p99 added vs floor (ms)", `${fmt(f.p50_added_ms)} / ${fmt(f.p99_added_ms)}`]);
  rows.push([`latency c=${c}`, "ChatOpenAI p50 / p99 added vs floor (ms)", `${fmt(f.chatopenai_p50_added_ms)} / ${fmt(f.chatopenai_p99_added_ms)}`]);
  rows.push([`latency c=${c}`, "floor p50 / p99 (ms)", `${fmt(f.floor_p50_ms)} / ${fmt(f.floor_p99_ms)}`]);
  rows.push([`latency c=${c}`, `calls/s ChatAIGateway / ChatOpenAI / floor (${f.calls_per_round} per round)`, `${f.calls_per_s} / ${f.chatopenai_calls_per_s} / ${f.floor_calls_per_s}`]);
}
for (const [name, tps] of Object.entries(tokensPerSecond)) rows.push([`stream ${STREAM_TOKENS} tokens`, `${name} (tokens/s)`, String(tps)]);
if (tokensPerSecond.ChatAIGateway) {
  rows.push([`stream ${STREAM_TOKENS} tokens`, "ChatAIGateway / ChatOpenAI throughput", fmt(ratio(tokensPerSecond.ChatAIGateway, tokensPerSecond.ChatOpenAI))]);
  rows.push([`stream ${STREAM_TOKENS} tokens`, "ChatAIGateway / floor throughput", fmt(ratio(tokensPerSecond.ChatAIGateway, tokensPerSecond["undici floor"]))]);
}
rows.push(["memory", "rss at start / after the runs (MB)", `${memoryStart.rss} / ${memoryEnd!.rss}`]);
rows.push(["memory", `heapUsed at start / after the runs (MB)${gc ? ", after GC" : ""}`, `${memoryStart.heapUsed} / ${memoryEnd!.heapUsed}`]);
const elapsedS = Math.round((performance.now() - started) / 100) / 10;

console.log(
  `bench — emulator in a separate process, zero simulated latency, model ${MODEL}; ratios are time ratios (lower is better for ours), ` +
    `latency figures are medians over ${LATENCY_ROUNDS} interleaved closed-loop rounds; ${elapsedS} s in all.\n` +
    "Added latency = ours minus the floor; on this 2-core machine the emulator saturates first at high concurrency, so there a value near 0 (either sign) means 'not measurable'.\n",
);
printTable(["section", "measure", "value"], rows);
console.log("");
console.log(
  JSON.stringify({
    bench: "all",
    ...childResults,
    latency,
    stream_tokens_per_s: {
      chat_ai_gateway: tokensPerSecond.ChatAIGateway,
      chat_openai: tokensPerSecond.ChatOpenAI,
      undici_floor: tokensPerSecond["undici floor"],
    },
    memory_mb: { rss_start: memoryStart.rss, heap_used_start: memoryStart.heapUsed, rss: memoryEnd!.rss, heap_used: memoryEnd!.heapUsed, heap_total: memoryEnd!.heapTotal, gc_forced: gc !== undefined },
    elapsed_s: elapsedS,
  }),
);
