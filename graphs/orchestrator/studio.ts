/**
 * The orchestrator for `langgraph.json` (LangGraph Studio, `npm run studio`): providers from
 * `.env` and the environment, the local emulator when none is configured. The runtime is
 * awaited once, when the dev server loads this module; Studio supplies its own checkpointer.
 */
import { createConfiguredToolbox } from "../../agents/tools/index.js";
import { loadConfig } from "../../src/config/index.js";
import { getDefaultRuntime } from "../../src/runtime/index.js";
import { createOrchestrator, type OrchestratorGraph } from "./graph.js";

async function studioGraph(): Promise<OrchestratorGraph> {
  const runtime = await getDefaultRuntime();
  // The dev server keeps the graph for its lifetime; MCP children end with its process.
  const toolbox = await createConfiguredToolbox({ config: loadConfig(), mcp: runtime.registry.tierConfig.mcp, gatewayTokens: runtime.registry.gatewayTokens() });
  return createOrchestrator({ registry: runtime.registry, simulated: runtime.simulated, tools: toolbox.tools });
}

/** The graph LangGraph's dev server serves (it awaits an exported promise). */
export const graph = studioGraph();
