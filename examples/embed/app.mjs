// An app that embeds the orchestrator from the built package (`npm run build` first).
// With no gateway configured it runs on the local emulator and says so.
import { MemorySaver } from "@langchain/langgraph";
import { createOrchestrator, createRuntime, streamSteps } from "ai-gateway-agents";

const task = process.argv[2] ?? "What is 12.5% of 3,480?";
const runtime = await createRuntime(); // providers from the environment, else the emulator
const graph = createOrchestrator({ registry: runtime.registry, policy: runtime.policy, simulated: runtime.simulated, checkpointer: new MemorySaver() });
try {
  for await (const event of streamSteps(task, { graph, threadId: "embed-demo" })) {
    if (event.type === "token") process.stdout.write(event.text);
    else console.log(`\n[${event.type}] ${JSON.stringify(event)}`);
  }
} finally {
  await runtime.close();
}
