/**
 * The orchestrator for `langgraph.json` (LangGraph Studio, `npm run studio`): providers from
 * `.env` and the environment, the local emulator when none is configured. The runtime is
 * awaited once, when the dev server loads this module; Studio supplies its own checkpointer.
 * The project's store (DATABASE_URL or CHECKPOINT_SQLITE_PATH) is opened for its usage ledger, so
 * runs in Studio check the policy's budgets and record their usage as every other surface's do.
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
  const toolbox = await createConfiguredToolbox({ config: loadConfig(), mcp: runtime.policy.mcp, gatewayTokens: runtime.registry.gatewayTokens() });
  const { ledger } = await store;
  // The policy brings the agents, rules, approvals and budgets of the tiers file.
  return createOrchestrator({ registry: runtime.registry, policy: runtime.policy, simulated: runtime.simulated, tools: toolbox.tools, ledger });
}

/** The graph LangGraph's dev server serves (it awaits an exported promise). */
export const graph = studioGraph();
