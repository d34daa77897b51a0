/**
 * The orchestrator graph: route each task to an agent and tier (the fast, standard or premium
 * tier agent, or a declared specialist), escalate one tier when an agent fails in a way another
 * tier can fix, and report usage and cost. Every step is streamed as a typed event (`events.ts`).
 *
 *   START -> router -> fast_agent | standard_agent | premium_agent | <specialist> | planner
 *   fast_agent -> standard_agent -> premium_agent   (escalation)
 *   <specialist> -> <specialist>                     (escalation within its tiers)
 *   <agent> -> END (answer) | fail (a failure no tier can fix, or none left)
 *   planner -> dispatch -> Send(<agent>, subtask) x N -> dispatch -> ... -> synthesizer -> END
 *
 * Apps call `createOrchestrator({ registry })`; `studio.ts` builds the graph for `langgraph.json`.
 */
import type { StructuredToolInterface } from "@langchain/core/tools";
import { END, START, StateGraph, type BaseCheckpointSaver, type LangGraphRunnableConfig, type Pregel } from "@langchain/langgraph";
import type { Specialist } from "../../agents/define_agent.js";
import { mapValidationErrors } from "../../agents/langchain_private.js";
import { createToolbox, toolMatches, unknownToolReason } from "../../agents/tools/index.js";
import { getLogger, type Logger } from "../../src/logging/index.js";
import type { ProviderRegistry } from "../../src/providers/index.js";
import { resolveRouting, type RoutingConfig } from "../../src/policy/routing_rules.js";
import { defaultPolicy, type Policy } from "../../src/policy/policy.js";
import type { TierConfig, TierPrices } from "../../src/providers/tier_models.js";
import type { AgentSpec, ApprovalPolicy } from "../../src/policy/agent_config.js";
import type { BudgetConfig } from "../../src/policy/budget_config.js";
import type { UsageLedger } from "../../src/usage/index.js";
import { TIERS, type Tier } from "../../src/providers/types.js";
import { OrchestratorContext, type OrchestratorContextType } from "./configuration.js";
import { createModelPricer } from "../../src/providers/model_prices.js";
import { pricingOf, type OrchestratorDeps } from "./deps.js";
import { ConfigurationError } from "../../src/errors.js";
import { toInputError } from "./errors.js";
import { noteGraphSpending } from "./spending.js";
import { RunTraces } from "./run_traces.js";
import { tracingActive } from "../../src/telemetry/index.js";
import { agentNode, FAIL_NODE } from "./nodes/agent.js";
import { dispatchNode, SYNTHESIZER_NODE } from "./nodes/dispatch.js";
import { failNode } from "./nodes/fail.js";
import { plannerNode } from "./nodes/planner.js";
import { PLANNER_NODE, routerNode } from "./nodes/router.js";
import { DISPATCH_NODE } from "./nodes/subtask_run.js";
import { synthesizerNode } from "./nodes/synthesizer.js";
import { createRoster } from "./roster.js";
import { OrchestratorInputSchema, OrchestratorOutputSchema, OrchestratorState } from "./state.js";

/**
 * Options of `createOrchestrator`; everything but `registry` has a default. From the environment:
 * `const { registry, policy } = await createRuntime()`, then `createOrchestrator({ registry, policy })`.
 */
export interface OrchestratorOptions {
  /** The providers: which model answers each tier (see `createRuntime()` for one built from the environment). */
  registry: ProviderRegistry;
  /** What runs may do: agents, routing, approvals, tier limits and tools, plan, MCP, budgets (`createRuntime().policy`, `loadPolicy()`); default the built-in policy. */
  policy?: Policy;
  /** Whether the registry answers with the emulator's simulated model (default false); a function is read per run. */
  simulated?: boolean | (() => boolean);
  /**
   * Tools by name; default the built-in toolbox. Each tier uses the subset its config allows. Tools
   * the project did not make show as `source: "code"` in tool events.
   */
  tools?: Readonly<Record<string, StructuredToolInterface | undefined>>;
  /** Checkpointer for thread persistence (`createCheckpointer()`), or none. */
  checkpointer?: BaseCheckpointSaver;
  /** Routing rules and classifier switch; default the policy's `routing`. */
  routing?: Partial<RoutingConfig>;
  /** Specialist agents (`defineAgent`); default the policy's `agents`. The tier agents are always there too. */
  agents?: readonly Specialist[];
  /** Tool -> decisions a person may take before it runs, for every agent; default the policy's `approvals`. */
  approvals?: ApprovalPolicy;
  /**
   * Where each run's usage is recorded (`createCheckpointer().ledger`), keyed by the run context's
   * tenant and user, the thread and the run; default none (nothing is recorded, budgets do not apply).
   */
  ledger?: UsageLedger;
  /** Spending limits checked in `ledger` at the start of each run; default the policy's `budgets`; a function is read per run. */
  budgets?: BudgetConfig | (() => BudgetConfig);
  logger?: Logger;
}

/** The tiers whose TIERS_CONFIG sets `prices`: their calls are priced at those, not by model. */
function tierPriceOverrides(tierConfig: TierConfig): Partial<Record<Tier, TierPrices>> {
  const out: Partial<Record<Tier, TierPrices>> = {};
  for (const tier of TIERS) {
    const prices = tierConfig.tiers[tier].prices;
    if (prices) out[tier] = prices;
  }
  return out;
}

/** Builds the orchestrator graph (compiled, named "orchestrator"). */
export function createOrchestrator(options: OrchestratorOptions): OrchestratorGraph {
  return buildOrchestrator(options);
}

/** The compiled graph as LangGraph types it (its context keys all required; see `OrchestratorGraph`). */
function buildOrchestrator(options: OrchestratorOptions) {
  const policy = options.policy ?? defaultPolicy();
  const tools = options.tools ?? createToolbox();
  const roster = createRoster(options.agents ?? policy.agents);
  checkToolNames(policy, roster.specialists, tools);
  const deps: OrchestratorDeps = {
    registry: options.registry,
    simulated: typeof options.simulated === "function" ? options.simulated : ((value: boolean) => () => value)(options.simulated ?? false),
    policy,
    routing: options.routing ? resolveRouting({ ...policy.routing, ...options.routing }) : policy.routing,
    tools,
    roster,
    approvals: options.approvals ?? policy.approvals,
    logger: options.logger ?? getLogger(),
    pricing: pricingOf(options.registry, createModelPricer(tierPriceOverrides(options.registry.tierConfig))),
    ledger: options.ledger,
    budgets: typeof options.budgets === "function" ? options.budgets : ((value: BudgetConfig) => () => value)(options.budgets ?? policy.budgets),
  };
  checkRuleAgents(deps);
  // Without a policy the built-in one applies: say so once when the environment names a tiers
  // file, or its agents, rules, approvals and budgets would be dropped without a word.
  if (!options.policy && process.env.TIERS_CONFIG) {
    deps.logger.warn(
      { event: "tiers_policy_not_applied", file: process.env.TIERS_CONFIG },
      "TIERS_CONFIG is set but createOrchestrator got no policy: the file's agents, routing rules, approvals and budgets do not apply. Pass createRuntime().policy (or loadPolicy() from ai-gateway-agents/policy).",
    );
  }
  const agents = roster.members.map((member) => agentNode(deps, member));

  let builder = new StateGraph({ state: OrchestratorState, input: OrchestratorInputSchema, output: OrchestratorOutputSchema, context: OrchestratorContext })
    .addNode("router", routerNode(deps), { ends: [...roster.members.map((m) => m.name), PLANNER_NODE] })
    .addNode(PLANNER_NODE, plannerNode(deps), { ends: [DISPATCH_NODE] })
    .addNode(DISPATCH_NODE, dispatchNode(deps), { ends: [...roster.members.map((m) => m.name), SYNTHESIZER_NODE] })
    .addNode(SYNTHESIZER_NODE, synthesizerNode(deps))
    .addNode(FAIL_NODE, failNode())
    .addEdge(START, "router")
    .addEdge(FAIL_NODE, END)
    .addEdge(SYNTHESIZER_NODE, END);
  for (const a of agents) builder = builder.addNode(a.name, a.node, { ends: a.ends, subgraphs: a.subgraphs }) as typeof builder;

  const graph = builder.compile({ checkpointer: options.checkpointer, name: "orchestrator" });
  graph.name = "orchestrator";
  carryRunTraces(graph);
  // LangGraph raises a raw ZodError (its message is a JSON dump) for bad input or context: make it one line.
  mapValidationErrors(graph, toInputError);
  noteGraphSpending(graph, deps);
  return graph;
}

/**
 * Every tool a tier or specialist lists must be a tool there can be: one of the toolbox, a
 * built-in (http_get may be off), or one of a configured MCP server's (`<server>.*`). A
 * specialist's own tools must be in the toolbox now (or come from a configured MCP server that
 * is down), saying why when one is not.
 */
function checkToolNames(policy: Policy, specialists: readonly AgentSpec[], tools: Readonly<Record<string, unknown>>): void {
  const available = Object.keys(tools).filter((k) => tools[k] !== undefined);
  const known = (p: string) => available.some((t) => toolMatches(p, t)) || unknownToolReason(p, policy.mcp) === undefined;
  for (const tier of TIERS) {
    policy.tiers[tier].tools.forEach((p, i) => {
      if (!known(p)) throw new ConfigurationError("invalid_orchestrator_config", `tiers.${tier}.tools.${i}: ${unknownToolReason(p, policy.mcp)}.`);
    });
  }
  for (const spec of specialists) {
    // A configured MCP server that is down leaves its tools out (it was logged); anything else must be there.
    const missing = spec.tools.filter((p) => !available.some((t) => toolMatches(p, t)) && !(p.includes(".") && unknownToolReason(p, policy.mcp) === undefined));
    if (missing.length === 0) continue;
    const hint = missing.includes("http_get") ? " (http_get is off unless HTTP_GET_ENABLED=true)" : "";
    throw new ConfigurationError("invalid_orchestrator_config", `Agent "${spec.name}" names tools the toolbox does not have: ${missing.join(", ")}${hint}; the toolbox has ${available.join(", ") || "no tools"}.`);
  }
}

/** A routing rule may only name a declared specialist. */
function checkRuleAgents(deps: OrchestratorDeps): void {
  for (const [i, rule] of deps.routing.rules.entries()) {
    if (rule.agent && !deps.roster.specialists.some((s) => s.name === rule.agent)) {
      throw new ConfigurationError("invalid_orchestrator_config", `Routing rule "${rule.name ?? `#${i + 1}`}" names the agent "${rule.agent}", which is not declared.`);
    }
  }
}

/**
 * Puts the run's trace in the graph's own default config, so langgraph dev and LangGraph Server
 * runs get it too, while an OpenTelemetry SDK is registered: any callback at all makes LangChain
 * do work at every step, which without tracing would be paid for nothing.
 */
function carryRunTraces(graph: { config?: LangGraphRunnableConfig }): void {
  const traces = new RunTraces();
  let base = graph.config;
  Object.defineProperty(graph, "config", {
    configurable: true,
    enumerable: true,
    get: () => (tracingActive() ? { ...base, callbacks: [traces] } : base),
    set: (value: LangGraphRunnableConfig | undefined) => {
      base = value;
    },
  });
}

/**
 * `G` whose calls (invoke, stream, streamEvents, withConfig...) take the run context as
 * `OrchestratorContextType`, every setting optional. LangGraph types a zod context schema like
 * state, every key required, so `{ context: { tier: "fast" } }` would not compile; the schema
 * still validates each run's context. The intersection puts these signatures first and keeps
 * every member of the compiled graph.
 */
type WithPartialContext<G> =
  G extends Pregel<infer Nodes, infer Channels, infer _Context, infer In, infer Out, infer Updates, infer Values, infer NodeReturn, infer Cmd, infer Custom, infer Transformers>
    ? Pregel<Nodes, Channels, OrchestratorContextType, In, Out, Updates, Values, NodeReturn, Cmd, Custom, Transformers> & G
    : never;

/** A compiled orchestrator graph. */
export type OrchestratorGraph = WithPartialContext<ReturnType<typeof buildOrchestrator>>;
