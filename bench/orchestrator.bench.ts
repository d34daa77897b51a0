/**
 * `npm run bench:orchestrator`: time per run of the orchestrator graph (routing, step events,
 * usage report) against invoking the same tier's agent directly, on one emulator in a separate
 * process at zero model latency. Both run the same task: a calculator round trip on the fast
 * tier (two model calls and one tool call). A third contender is the least LangGraph itself
 * needs for the same shape: a graph with an empty router node and a node that invokes the agent
 * as a subgraph (no routing, events, usage or failure handling). Orchestrator vs that floor is
 * the project's own overhead; floor vs the agent is what the graph structure costs.
 *
 * A second part measures the plan route's parallelism on another emulator process with 200 ms
 * per model call: a plan of 4 independent subtasks against a plan of one subtask (both with the
 * planner and synthesizer calls). Run one after the other the 4 would take about 4 times the
 * subtask part; run in parallel the ratio stays near 1. The last line is one JSON object with
 * the ratios.
 */
import { setMaxListeners } from "node:events";
import { HumanMessage } from "@langchain/core/messages";
import { END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { createToolbox, selectTools } from "../agents/tools/index.js";
import { defaultSystemPrompt } from "../agents/prompts.js";
import { createTierAgent } from "../agents/tier_agent.js";
import { createOrchestrator } from "../graphs/orchestrator/graph.js";
import { createLogger } from "../src/logging/index.js";
import { ProviderRegistry } from "../src/providers/index.js";
import { compareSamples, concurrent, median, pairedRatio, printTable, sequential, startEmulatorProcess, type Contender } from "./harness.js";

const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 450);
const CONCURRENT = Number(process.env.BENCH_CONCURRENT ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const TASK = "What is 12.5% of 3,480?";
const FANOUT_ROUNDS = Number(process.env.BENCH_FANOUT_ROUNDS ?? 5);
const FANOUT_LATENCY_MS = 200;
const FOUR_PARTS = "1. What is 1 + 1?\n2. What is 2 + 2?\n3. What is 3 + 3?\n4. What is 4 + 4?";
const ONE_PART = "What is 1 + 1?";

// LangGraph's runner adds an abort listener to the run's signal at every step and drops them
// with the run; a plan's many steps pass Node's warning threshold of 10 without leaking.
setMaxListeners(64);

const { info, stop } = await startEmulatorProcess();
const logger = createLogger({ level: "error", format: "json" });
const registry = await ProviderRegistry.create({
  env: { AI_GATEWAY_BASE_URL: info.baseUrl, AI_GATEWAY_CLIENT_ID: info.clientId, AI_GATEWAY_CLIENT_SECRET: info.clientSecret },
  logger,
});
try {
  const settings = registry.tierSettings("fast");
  const tools = selectTools(createToolbox(), settings.tools.includes("*") ? undefined : settings.tools);
  const agent = createTierAgent({
    tier: "fast",
    model: registry.chatModel("fast"),
    tools,
    systemPrompt: settings.systemPrompt ?? defaultSystemPrompt("fast"),
    maxSteps: settings.maxSteps,
  });
  const orchestrator = createOrchestrator({ registry, logger });
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
  const contenders: Contender[] = [
    {
      name: "orchestrator",
      run: async () => {
        const state = await orchestrator.invoke({ messages: [new HumanMessage(TASK)] });
        if (state.run?.route?.tier !== "fast") throw new Error(`routed to ${state.run?.route?.tier}`);
        check(state.run?.result?.answer ?? "", "orchestrator");
      },
    },
    {
      name: "LangGraph floor",
      run: async () => {
        const state = await floor.invoke({ messages: [new HumanMessage(TASK)] });
        check(String(state.messages.at(-1)?.content ?? ""), "floor graph");
      },
    },
    {
      name: "fast agent directly",
      run: async () => {
        const state = await agent.invoke({ messages: [new HumanMessage(TASK)] });
        check(String(state.messages.at(-1)?.content ?? ""), "agent");
      },
    },
  ];
  for (const c of contenders) for (let i = 0; i < 100; i++) await c.run();

  const seqSamples = await compareSamples(contenders, (c) => sequential(c, Math.ceil(SEQUENTIAL / ROUNDS)), ROUNDS);
  const concSamples = await compareSamples(contenders, (c) => concurrent(c, CONCURRENT), ROUNDS);
  const med = (samples: Map<string, number[]>) => new Map([...samples].map(([name, s]) => [name, median(s)]));
  const [seq, conc] = [med(seqSamples), med(concSamples)];

  console.log(`bench:orchestrator — emulator in a separate process, zero latency; ${ROUNDS} interleaved rounds: µs are medians, ratios the median of each round's pair`);
  console.log(`task: "${TASK}" (fast tier: 2 model calls, 1 calculator call); ${SEQUENTIAL} sequential runs, ${CONCURRENT} concurrent\n`);
  printTable(
    ["contender", "sequential µs/run", "concurrent µs/run"],
    contenders.map((c) => [c.name, seq.get(c.name)!, conc.get(c.name)!]),
  );
  const result = {
    bench: "orchestrator",
    sequential_vs_agent: pairedRatio(seqSamples.get("orchestrator")!, seqSamples.get("fast agent directly")!),
    concurrent_vs_agent: pairedRatio(concSamples.get("orchestrator")!, concSamples.get("fast agent directly")!),
    sequential_vs_floor: pairedRatio(seqSamples.get("orchestrator")!, seqSamples.get("LangGraph floor")!),
    concurrent_vs_floor: pairedRatio(concSamples.get("orchestrator")!, concSamples.get("LangGraph floor")!),
    floor_sequential_vs_agent: pairedRatio(seqSamples.get("LangGraph floor")!, seqSamples.get("fast agent directly")!),
    floor_concurrent_vs_agent: pairedRatio(concSamples.get("LangGraph floor")!, concSamples.get("fast agent directly")!),
    ...(await fanOut()),
  };
  console.log("");
  console.log(JSON.stringify(result));
} finally {
  await registry.close();
  await stop();
}

/** Plan of 4 independent subtasks vs a plan of 1, at 200 ms per model call: the fan-out's parallelism. */
async function fanOut(): Promise<{ fanout_4_vs_1: number }> {
  const slow = await startEmulatorProcess(["--ttft-ms", String(FANOUT_LATENCY_MS)]);
  const slowRegistry = await ProviderRegistry.create({
    env: { AI_GATEWAY_BASE_URL: slow.info.baseUrl, AI_GATEWAY_CLIENT_ID: slow.info.clientId, AI_GATEWAY_CLIENT_SECRET: slow.info.clientSecret },
    logger,
  });
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
    console.log(`\nfan-out — emulator with ${FANOUT_LATENCY_MS} ms per model call; planner, subtasks (a calculator round trip each) and synthesizer; ${FANOUT_ROUNDS} interleaved rounds`);
    printTable(
      ["contender", "ms/run"],
      contenders.map((c) => [c.name, Math.round(median(samples.get(c.name)!) / 1000)]),
    );
    return { fanout_4_vs_1: pairedRatio(samples.get(contenders[0].name)!, samples.get(contenders[1].name)!) };
  } finally {
    await slowRegistry.close();
    await slow.stop();
  }
}
