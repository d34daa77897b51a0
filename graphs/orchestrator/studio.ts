/**
 * The orchestrator for `langgraph.json` (LangGraph Studio, `npm run studio`): providers from
 * `.env` and the environment, the local emulator when none is configured. The runtime is
 * awaited once, when the dev server loads this module; Studio supplies its own checkpointer.
 */
import { getDefaultRuntime } from "../../src/runtime/index.js";
import { createOrchestrator, type OrchestratorGraph } from "./graph.js";

async function studioGraph(): Promise<OrchestratorGraph> {
  const runtime = await getDefaultRuntime();
  return createOrchestrator({ registry: runtime.registry, simulated: runtime.simulated });
}

/** The graph LangGraph's dev server serves (it awaits an exported promise). */
export const graph = studioGraph();
