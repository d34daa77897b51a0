/**
 * The orchestrator graph: route each task to the fast, standard or premium tool-calling
 * agent, escalate one tier when an agent fails in a way another tier can fix, and report
 * usage and cost. Every step is streamed as a typed event (`events.ts`).
 *
 *   START -> router -> fast_agent | standard_agent | premium_agent
 *   fast_agent -> standard_agent -> premium_agent   (escalation)
 *   <tier>_agent -> END (answer) | fail (a failure no tier can fix, or none left)
 *
 * Apps call `createOrchestrator({ registry })`; `studio.ts` builds the graph for `langgraph.json`.
 */
import type { StructuredToolInterface } from "@langchain/core/tools";
import { END, START, StateGraph, type BaseCheckpointSaver } from "@langchain/langgraph";
import { createToolbox } from "../../agents/tools/index.js";
import { getLogger, type Logger } from "../../src/logging/index.js";
import type { ProviderRegistry } from "../../src/providers/index.js";
import { resolveRouting, type RoutingConfig } from "../../src/providers/routing_rules.js";
import type { TierConfig } from "../../src/providers/tier_config.js";
import { TIERS } from "../../src/providers/types.js";
import { OrchestratorContext } from "./configuration.js";
import type { OrchestratorDeps } from "./deps.js";
import { toInputError } from "./errors.js";
import { failNode } from "./nodes/fail.js";
import { agentNode, routerNode } from "./nodes/router.js";
import { FAIL_NODE, tierAgentNode } from "./nodes/tier_agent.js";
import { OrchestratorInputSchema, OrchestratorOutputSchema, OrchestratorState } from "./state.js";

/** Options of `createOrchestrator`; everything but `registry` has a default. */
export interface OrchestratorOptions {
  /** The providers (see `createRuntime()` for one built from the environment). */
  registry: ProviderRegistry;
  /** Whether the registry answers with the emulator's simulated model (default false); a function is read per run. */
  simulated?: boolean | (() => boolean);
  /** Tools by name; default the built-in toolbox. Each tier uses the subset its config allows. */
  tools?: Readonly<Record<string, StructuredToolInterface | undefined>>;
  /** Checkpointer for thread persistence (`createCheckpointer()`), or none. */
  checkpointer?: BaseCheckpointSaver;
  /** Tier settings; default the registry's (TIERS_CONFIG). */
  tierConfig?: TierConfig;
  /** Routing rules and classifier switch; default the tier config's `routing`. */
  routing?: Partial<RoutingConfig>;
  logger?: Logger;
}

/** Builds the orchestrator graph (compiled, named "orchestrator"). */
export function createOrchestrator(options: OrchestratorOptions) {
  const tierConfig = options.tierConfig ?? options.registry.tierConfig;
  const deps: OrchestratorDeps = {
    registry: options.registry,
    simulated: typeof options.simulated === "function" ? options.simulated : ((value: boolean) => () => value)(options.simulated ?? false),
    tierConfig,
    routing: options.routing ? resolveRouting({ ...tierConfig.routing, ...options.routing }) : tierConfig.routing,
    tools: options.tools ?? createToolbox(),
    logger: options.logger ?? getLogger(),
  };
  const agents = TIERS.map((tier) => tierAgentNode(deps, tier));

  let builder = new StateGraph({ state: OrchestratorState, input: OrchestratorInputSchema, output: OrchestratorOutputSchema, context: OrchestratorContext })
    .addNode("router", routerNode(deps), { ends: TIERS.map(agentNode) })
    .addNode(FAIL_NODE, failNode())
    .addEdge(START, "router")
    .addEdge(FAIL_NODE, END);
  for (const a of agents) builder = builder.addNode(a.name, a.node, { ends: a.ends, subgraphs: [a.agent.graph] }) as typeof builder;

  const graph = builder.compile({ checkpointer: options.checkpointer, name: "orchestrator" });
  graph.name = "orchestrator";
  readableValidationErrors(graph as unknown as Validating);
  return graph;
}

/** The (protected) validation hooks of a compiled StateGraph. */
interface Validating {
  _validateInput(input: unknown): Promise<unknown>;
  _validateContext(context: unknown): Promise<unknown>;
}

/** LangGraph raises a raw ZodError (its message is a JSON dump) for bad input or context: make it one line. */
function readableValidationErrors(graph: Validating): void {
  const validateInput = graph._validateInput.bind(graph);
  const validateContext = graph._validateContext.bind(graph);
  graph._validateInput = (input) => validateInput(input).catch((err: unknown) => Promise.reject(toInputError(err, "input")));
  graph._validateContext = (context) => validateContext(context).catch((err: unknown) => Promise.reject(toInputError(err, "context")));
}

/** A compiled orchestrator graph. */
export type OrchestratorGraph = ReturnType<typeof createOrchestrator>;
