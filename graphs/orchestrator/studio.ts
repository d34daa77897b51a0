/**
 * The orchestrator for `langgraph.json` (LangGraph Studio, `npm run studio`): providers from
 * `.env` and the environment, the local emulator when none is configured. The runtime is
 * awaited once, when the dev server loads this module; Studio supplies its own checkpointer.
 * The project's store (DATABASE_URL or CHECKPOINT_SQLITE_PATH) is opened for its usage ledger, so
 * runs in Studio check the tier config's budgets and record their usage as every other surface's do.
 */
import { createConfiguredToolbox } from "../../agents/tools/index.js";
import { loadConfig } from "../../src/config/index.js";
import { getDefaultRuntime } from "../../src/runtime/index.js";
import { createCheckpointer } from "../persistence.js";
import { createOrchestrator, type OrchestratorGraph } from "./graph.js";

async function studioGraph(): Promise<OrchestratorGraph> {
  // The store opens while the runtime starts. Like the graph, it is kept for the process's
  // lifetime (the dev server never lets go of the graph): its handle is never closed.
  const store = createCheckpointer();
  store.catch(() => undefined);
  const runtime = await getDefaultRuntime();
  // The dev server keeps the graph for its lifetime; MCP children end with its process.
  const toolbox = await createConfiguredToolbox({ config: loadConfig(), mcp: runtime.registry.tierConfig.mcp, gatewayTokens: runtime.registry.gatewayTokens() });
  const { ledger } = await store;
  // Budgets are read per run, from the runtime's tier config.
  return createOrchestrator({ registry: runtime.registry, simulated: runtime.simulated, tools: toolbox.tools, ledger, budgets: () => runtime.registry.tierConfig.budgets });
}

/** The graph LangGraph's dev server serves (it awaits an exported promise). */
export const graph = studioGraph();
