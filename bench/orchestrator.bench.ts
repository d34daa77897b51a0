/**
 * `npm run bench:orchestrator`: time per run of the orchestrator graph (routing, step events,
 * usage report) against invoking the same tier's agent directly, on one emulator in a separate
 * process at zero model latency. Both run the same task: a calculator round trip on the fast
 * tier (two model calls and one tool call). The last line is one JSON object with the ratio.
 */
import { HumanMessage } from "@langchain/core/messages";
import { createToolbox, selectTools } from "../agents/tools/index.js";
import { defaultSystemPrompt } from "../agents/prompts.js";
import { createTierAgent } from "../agents/tier_agent.js";
import { createOrchestrator } from "../graphs/orchestrator/graph.js";
import { createLogger } from "../src/logging/index.js";
import { ProviderRegistry } from "../src/providers/index.js";
import { compare, concurrent, printTable, ratio, sequential, startEmulatorProcess, type Contender } from "./harness.js";

const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 300);
const CONCURRENT = Number(process.env.BENCH_CONCURRENT ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const TASK = "What is 12.5% of 3,480?";

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
      name: "fast agent directly",
      run: async () => {
        const state = await agent.invoke({ messages: [new HumanMessage(TASK)] });
        check(String(state.messages.at(-1)?.content ?? ""), "agent");
      },
    },
  ];
  for (const c of contenders) for (let i = 0; i < 30; i++) await c.run();

  const seq = await compare(contenders, (c) => sequential(c, Math.ceil(SEQUENTIAL / ROUNDS)), ROUNDS);
  const conc = await compare(contenders, (c) => concurrent(c, CONCURRENT), ROUNDS);

  console.log(`bench:orchestrator — emulator in a separate process, zero latency; median of ${ROUNDS} interleaved rounds`);
  console.log(`task: "${TASK}" (fast tier: 2 model calls, 1 calculator call); ${SEQUENTIAL} sequential runs, ${CONCURRENT} concurrent\n`);
  printTable(
    ["contender", "sequential µs/run", "concurrent µs/run"],
    contenders.map((c) => [c.name, seq.get(c.name)!, conc.get(c.name)!]),
  );
  const result = {
    bench: "orchestrator",
    sequential_vs_agent: ratio(seq.get("orchestrator")!, seq.get("fast agent directly")!),
    concurrent_vs_agent: ratio(conc.get("orchestrator")!, conc.get("fast agent directly")!),
  };
  console.log("");
  console.log(JSON.stringify(result));
} finally {
  await registry.close();
  await stop();
}
