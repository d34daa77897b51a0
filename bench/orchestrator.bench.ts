/**
 * `npm run bench:orchestrator`: time per run of the orchestrator graph (routing, step events,
 * usage report) against invoking the same tier's agent directly, on one emulator in a separate
 * process at zero model latency. All run the same task: a calculator round trip on the fast
 * tier (two model calls and one tool call). Contenders:
 * - orchestrator: no checkpointer, routed by the built-in rules (no LLM call to route).
 * - orchestrator + SQLite: the same, compiled with the SQLite checkpointer
 *   (`createCheckpointer({ sqlitePath })` on a temporary file), each run on a fresh thread id.
 * - orchestrator + classifier: the same task with routing mode "classifier", so the rules are
 *   skipped and the fast model is asked to route it (one more model call; the emulator answers
 *   the structured output and picks the fast tier).
 * - LangGraph floor: the least LangGraph itself needs for the same shape: a graph with an empty
 *   router node and a node that invokes the agent as a subgraph (no routing, events, usage or
 *   failure handling). Orchestrator vs that floor is the project's own overhead; floor vs the
 *   agent is what the graph structure costs.
 * - fast agent directly.
 * At zero latency the ratios are CPU overhead per run (the emulator answers at once). A second
 * emulator process waits 50 ms before every model answer and the same contenders run
 * sequentially there: those ratios are what a user would see on a network, where a classifier
 * call costs a whole model round trip.
 *
 * A last part measures the plan route's parallelism on another emulator process with 200 ms
 * per model call: a plan of 4 independent subtasks against a plan of one subtask (both with the
 * planner and synthesizer calls). Run one after the other the 4 would take about 4 times the
 * subtask part; run in parallel the ratio stays near 1.
 *
 * Every part runs in interleaved rounds whose contender order rotates each round. Times are the
 * median of the rounds with their (min–max) beside them; ratios are the median of each round's
 * pair. The last line is one JSON object with the ratios.
 *
 * Knobs: BENCH_SEQUENTIAL (450 runs over all rounds), BENCH_CONCURRENT (50), BENCH_ROUNDS (9),
 * BENCH_LATENCY_MS (50), BENCH_LATENCY_SEQUENTIAL (18 runs over all rounds, which are
 * BENCH_ROUNDS too), BENCH_FANOUT_ROUNDS (5). The JSON keys say "50ms" whatever BENCH_LATENCY_MS is.
 */
import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HumanMessage } from "@langchain/core/messages";
import { END, MessagesAnnotation, START, StateGraph, type BaseCheckpointSaver } from "@langchain/langgraph";
import { createToolbox, selectTools } from "../agents/tools/index.js";
import { defaultSystemPrompt } from "../agents/prompts.js";
import { createTierAgent } from "../agents/tier_agent.js";
import { createOrchestrator } from "../graphs/orchestrator/graph.js";
import { defaultPolicy } from "../src/policy/index.js";
import { createCheckpointer, type CheckpointerHandle } from "../graphs/persistence.js";
import { createLogger } from "../src/logging/index.js";
import { ProviderRegistry } from "../src/providers/index.js";
import { compareSamples, concurrent, medians, pairedRatio, printTable, sequential, spreadText, startEmulatorProcess, withCpu, type Contender } from "./harness.js";

const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 450);
const CONCURRENT = Number(process.env.BENCH_CONCURRENT ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 50);
const LATENCY_SEQUENTIAL = Number(process.env.BENCH_LATENCY_SEQUENTIAL ?? 18);
const TASK = "What is 12.5% of 3,480?";
const FANOUT_ROUNDS = Number(process.env.BENCH_FANOUT_ROUNDS ?? 5);
const FANOUT_LATENCY_MS = 200;
const FOUR_PARTS = "1. What is 1 + 1?\n2. What is 2 + 2?\n3. What is 3 + 3?\n4. What is 4 + 4?";
const ONE_PART = "What is 1 + 1?";

const ORCH = "orchestrator";
const SQLITE = "orchestrator + SQLite";
const CLASSIFIER = "orchestrator + classifier";
const FLOOR = "LangGraph floor";
const AGENT = "fast agent directly";

// LangGraph's runner adds an abort listener to the run's signal at every step and drops them
// with the run; a plan's many steps pass Node's warning threshold of 10 without leaking.
setMaxListeners(64);

const logger = createLogger({ level: "error", format: "json" });
const registryFor = (info: { baseUrl: string; clientId: string; clientSecret: string }) =>
  ProviderRegistry.create({
    env: { AI_GATEWAY_BASE_URL: info.baseUrl, AI_GATEWAY_CLIENT_ID: info.clientId, AI_GATEWAY_CLIENT_SECRET: info.clientSecret },
    logger,
  });

/** The five contenders on one registry; the SQLite one checkpoints to `checkpointer`. */
function contendersFor(registry: ProviderRegistry, checkpointer: BaseCheckpointSaver): Contender[] {
  // The built-in policy, as the orchestrator contenders below run with it.
  const settings = defaultPolicy().tiers.fast;
  const tools = selectTools(createToolbox(), settings.tools.includes("*") ? undefined : settings.tools);
  const agent = createTierAgent({
    tier: "fast",
    model: registry.chatModel("fast"),
    tools,
    systemPrompt: settings.systemPrompt ?? defaultSystemPrompt("fast"),
    maxSteps: settings.maxSteps,
  });
  const orchestrator = createOrchestrator({ registry, logger });
  const persistent = createOrchestrator({ registry, logger, checkpointer });
  const floor = new StateGraph(MessagesAnnotation)
    .addNode("router", () => ({}))
    .addNode("agent", async (state, config) => {
      const out = await agent.graph.invoke({ messages: state.messages }, config);
      return { messages: out.messages.slice(state.messages.length) };
    })
    .addEdge(START, "router")
    .addEdge("router", "agent")
    .addEdge("agent", END)
    .compile();

  const check = (answer: string, who: string) => {
    if (!answer.includes("435")) throw new Error(`${who} gave an unexpected answer: ${answer}`);
  };
  type Final = Awaited<ReturnType<typeof orchestrator.invoke>>;
  const checkRun = (state: Final, who: string, source: string) => {
    if (state.run?.route?.tier !== "fast") throw new Error(`${who} routed to ${state.run?.route?.tier}`);
    if (state.run.route.source !== source) throw new Error(`${who} was routed by ${state.run.route.source}, not ${source}`);
    check(state.run?.result?.answer ?? "", who);
  };
  // LangGraph types the context as every key present; the orchestrator reads a partial one (as streamSteps passes it).
  const classifierMode = { context: { routingMode: "classifier" } as never };
  return [
    { name: ORCH, run: async () => checkRun(await orchestrator.invoke({ messages: [new HumanMessage(TASK)] }), ORCH, "rule") },
    {
      name: SQLITE,
      run: async () => checkRun(await persistent.invoke({ messages: [new HumanMessage(TASK)] }, { configurable: { thread_id: randomUUID() } }), SQLITE, "rule"),
    },
    {
      name: CLASSIFIER,
      run: async () => checkRun(await orchestrator.invoke({ messages: [new HumanMessage(TASK)] }, classifierMode), CLASSIFIER, "classifier"),
    },
    {
      name: FLOOR,
      run: async () => {
        const state = await floor.invoke({ messages: [new HumanMessage(TASK)] });
        check(String(state.messages.at(-1)?.content ?? ""), "floor graph");
      },
    },
    {
      name: AGENT,
      run: async () => {
        const state = await agent.invoke({ messages: [new HumanMessage(TASK)] });
        check(String(state.messages.at(-1)?.content ?? ""), "agent");
      },
    },
  ];
}

const sqliteDir = mkdtempSync(join(tmpdir(), "bench-orchestrator-"));
let handle: CheckpointerHandle | undefined;
const { info, stop } = await startEmulatorProcess();
const registry = await registryFor(info);
try {
  handle = await createCheckpointer({ sqlitePath: join(sqliteDir, "checkpoints.sqlite") });
  const contenders = contendersFor(registry, handle.checkpointer);
  for (const c of contenders) for (let i = 0; i < 100; i++) await c.run();

  const seqSamples = await compareSamples(contenders, (c) => sequential(c, Math.ceil(SEQUENTIAL / ROUNDS)), ROUNDS);
  const concSamples = await compareSamples(contenders, (c) => concurrent(c, CONCURRENT), ROUNDS);
  const [seq, conc] = [medians(seqSamples), medians(concSamples)];

  console.log(`bench:orchestrator — emulator in a separate process; ${ROUNDS} interleaved rounds, contender order rotated each round:`);
  console.log("µs are the median of the rounds with the (min–max) of the rounds beside them, ratios the median of each round's pair\n");
  console.log("zero latency — the emulator answers at once: time per run is mostly CPU overhead, not what a user waits for");
  console.log(`task: "${TASK}" (fast tier: 2 model calls, 1 calculator call; the classifier adds 1 model call); ${SEQUENTIAL} sequential runs, ${CONCURRENT} concurrent\n`);
  printTable(
    ["contender", "sequential µs/run", "(min–max)", "concurrent µs/run", "(min–max)"],
    contenders.map((c) => [c.name, seq.get(c.name)!, spreadText(seqSamples.get(c.name)!), conc.get(c.name)!, spreadText(concSamples.get(c.name)!)]),
  );
  const s = (a: string, b: string) => pairedRatio(seqSamples.get(a)!, seqSamples.get(b)!);
  const p = (a: string, b: string) => pairedRatio(concSamples.get(a)!, concSamples.get(b)!);
  const result = {
    bench: "orchestrator",
    sequential_vs_agent: s(ORCH, AGENT),
    concurrent_vs_agent: p(ORCH, AGENT),
    sequential_vs_floor: s(ORCH, FLOOR),
    concurrent_vs_floor: p(ORCH, FLOOR),
    floor_sequential_vs_agent: s(FLOOR, AGENT),
    floor_concurrent_vs_agent: p(FLOOR, AGENT),
    sqlite_sequential_vs_orchestrator: s(SQLITE, ORCH),
    sqlite_concurrent_vs_orchestrator: p(SQLITE, ORCH),
    sqlite_sequential_vs_agent: s(SQLITE, AGENT),
    sqlite_concurrent_vs_agent: p(SQLITE, AGENT),
    classifier_sequential_vs_orchestrator: s(CLASSIFIER, ORCH),
    classifier_concurrent_vs_orchestrator: p(CLASSIFIER, ORCH),
    classifier_sequential_vs_agent: s(CLASSIFIER, AGENT),
    classifier_concurrent_vs_agent: p(CLASSIFIER, AGENT),
    ...(await atLatency(handle.checkpointer)),
    ...(await fanOut()),
  };
  console.log("");
  console.log(JSON.stringify(result));
} finally {
  await registry.close();
  await handle?.close();
  rmSync(sqliteDir, { recursive: true, force: true });
  await stop();
}

/** The same contenders, sequential, on an emulator that waits LATENCY_MS before every model answer. */
async function atLatency(checkpointer: BaseCheckpointSaver) {
  const slow = await startEmulatorProcess(["--ttft-ms", String(LATENCY_MS)]);
  const slowRegistry = await registryFor(slow.info);
  try {
    const contenders = contendersFor(slowRegistry, checkpointer);
    for (const c of contenders) for (let i = 0; i < 2; i++) await c.run();
    const perRound = Math.ceil(LATENCY_SEQUENTIAL / ROUNDS);
    const timed = withCpu((c) => sequential(c, perRound), perRound);
    const samples = await compareSamples(contenders, timed.batch, ROUNDS);
    const [wall, cpu] = [medians(samples), medians(timed.cpu)];
    console.log(`\n${LATENCY_MS} ms before every model answer — what a user waits for on a network; client CPU is this process's user + system time`);
    console.log(`same task and contenders, ${perRound * ROUNDS} sequential runs in ${ROUNDS} interleaved rounds\n`);
    printTable(
      ["contender", "wall ms/run", "(min–max)", "client CPU µs/run", "(min–max)"],
      contenders.map((c) => [
        c.name,
        (wall.get(c.name)! / 1000).toFixed(1),
        spreadText(samples.get(c.name)!.map((v) => v / 1000)),
        cpu.get(c.name)!,
        spreadText(timed.cpu.get(c.name)!),
      ]),
    );
    const s = (a: string, b: string) => pairedRatio(samples.get(a)!, samples.get(b)!);
    return {
      sequential_50ms_vs_agent: s(ORCH, AGENT),
      sequential_50ms_vs_floor: s(ORCH, FLOOR),
      sqlite_sequential_50ms_vs_orchestrator: s(SQLITE, ORCH),
      classifier_sequential_50ms_vs_orchestrator: s(CLASSIFIER, ORCH),
      sequential_50ms_cpu_vs_agent: pairedRatio(timed.cpu.get(ORCH)!, timed.cpu.get(AGENT)!),
    };
  } finally {
    await slowRegistry.close();
    await slow.stop();
  }
}

/** Plan of 4 independent subtasks vs a plan of 1, at 200 ms per model call: the fan-out's parallelism. */
async function fanOut(): Promise<{ fanout_4_vs_1: number }> {
  const slow = await startEmulatorProcess(["--ttft-ms", String(FANOUT_LATENCY_MS)]);
  const slowRegistry = await registryFor(slow.info);
  try {
    const graph = createOrchestrator({ registry: slowRegistry, logger });
    const plan = (task: string, parts: number): Contender => ({
      name: `plan of ${parts} subtask${parts > 1 ? "s" : ""}`,
      run: async () => {
        const state = await graph.invoke({ messages: [new HumanMessage(task)], plan: true });
        const subtasks = state.run?.plan?.subtasks.length;
        if (subtasks !== parts) throw new Error(`expected ${parts} subtasks, the plan has ${subtasks}`);
        if (state.run?.result?.agent !== "synthesizer") throw new Error("the plan gave no synthesized answer");
      },
    });
    const contenders = [plan(FOUR_PARTS, 4), plan(ONE_PART, 1)];
    for (const c of contenders) await c.run();
    const samples = await compareSamples(contenders, (c) => sequential(c, 1), FANOUT_ROUNDS);
    const ms = medians(samples);
    console.log(`\nfan-out — emulator with ${FANOUT_LATENCY_MS} ms per model call; planner, subtasks (a calculator round trip each) and synthesizer; ${FANOUT_ROUNDS} interleaved rounds, order rotated`);
    printTable(
      ["contender", "ms/run", "(min–max)"],
      contenders.map((c) => [c.name, Math.round(ms.get(c.name)! / 1000), spreadText(samples.get(c.name)!.map((v) => v / 1000), 0)]),
    );
    return { fanout_4_vs_1: pairedRatio(samples.get(contenders[0].name)!, samples.get(contenders[1].name)!) };
  } finally {
    await slowRegistry.close();
    await slow.stop();
  }
}
