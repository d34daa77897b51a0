/**
 * The orchestrator graph: route each task to the fast, standard or premium tool-calling
 * agent, escalate one tier when an agent fails, and report usage and cost. Every step is
 * streamed as a typed event through the `custom` stream mode (see `events.ts`).
 *
 *   START -> router -> agent -> END, and agent -> escalate -> agent when a tier fails
 *   (each tier at most once; when none is left the run raises OrchestratorError).
 *
 * `graph` is what `langgraph.json` points at (Studio supplies its own checkpointer);
 * apps call `createOrchestrator(options)` to inject the registry, tools, checkpointer and
 * tier config.
 */
import { AIMessage, isAIMessage, isHumanMessage, type BaseMessage } from "@langchain/core/messages";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { END, START, StateGraph, type BaseCheckpointSaver, type LangGraphRunnableConfig } from "@langchain/langgraph";
import { createToolbox, selectTools } from "../agents/tools/index.js";
import { defaultSystemPrompt } from "../agents/prompts.js";
import { createTierAgent, reachedStepLimit, type TierAgent } from "../agents/tier_agent.js";
import { getLogger, type Logger } from "../src/logging/index.js";
import type { ProviderRegistry } from "../src/providers/index.js";
import type { TierConfig } from "../src/providers/tier_config.js";
import { isTier, TIERS, type Tier } from "../src/providers/types.js";
import { addUsage, usageReport, type UsageByTier } from "./cost.js";
import type { CustomStepEvent, TokenUsage } from "./events.js";
import { classifyTask, decideWithoutModel, nextTier, resolveRouting, shouldClassify, type RoutingConfig, type RoutingMode } from "./router.js";
import { getDefaultRuntime } from "./runtime.js";
import { toolEventsMiddleware } from "./tool_events.js";
import { OrchestratorContext, OrchestratorInputSchema, OrchestratorState, type OrchestratorStateType } from "./state.js";

/** What the graph needs at run time; resolved lazily so building the graph does no I/O. */
export interface OrchestratorDeps {
  registry: ProviderRegistry;
  /** True when the registry talks to the local emulator's simulated model. */
  simulated?: boolean;
}

/** Options of `createOrchestrator`. */
export interface OrchestratorOptions {
  /** The registry, or a function resolving it (default: the process runtime from the environment). */
  registry?: ProviderRegistry | (() => Promise<OrchestratorDeps>);
  /** Whether answers are simulated (only when `registry` is a plain registry). */
  simulated?: boolean;
  /** Tools by name; default the built-in toolbox. Each tier uses the subset its config allows. */
  tools?: Record<string, StructuredToolInterface>;
  /** Checkpointer for thread persistence (SQLite/Postgres from `graphs/persistence.ts`, or memory). */
  checkpointer?: BaseCheckpointSaver;
  /** Tier settings; default the registry's. */
  tierConfig?: TierConfig;
  /** Routing rules and classifier switch; default the built-in rules. */
  routing?: Partial<RoutingConfig>;
  logger?: Logger;
}

/** Raised when every tier failed the task; names each tier's failure. */
export class OrchestratorError extends Error {
  override readonly name = "OrchestratorError";
}

type Config = LangGraphRunnableConfig<{ tier?: Tier; routingMode?: RoutingMode }>;

const textOf = (m: BaseMessage): string =>
  typeof m.content === "string"
    ? m.content
    : m.content.map((b) => (typeof b === "string" ? b : b.type === "text" ? String((b as { text?: unknown }).text ?? "") : "")).join("");

const usageOf = (m: BaseMessage): TokenUsage | undefined => {
  const u = isAIMessage(m) ? m.usage_metadata : undefined;
  return u ? { input: u.input_tokens, output: u.output_tokens, total: u.total_tokens } : undefined;
};

/** Builds the orchestrator graph (compiled, named "orchestrator"). */
export function createOrchestrator(options: OrchestratorOptions = {}) {
  const logger = options.logger ?? getLogger();
  const routing = resolveRouting(options.routing);
  const resolveDeps: () => Promise<OrchestratorDeps> =
    typeof options.registry === "function"
      ? options.registry
      : options.registry
        ? ((deps: OrchestratorDeps) => () => Promise.resolve(deps))({ registry: options.registry, simulated: options.simulated })
        : async () => getDefaultRuntime();
  let toolbox = options.tools;
  const agents = new Map<Tier, { agent: TierAgent; tools: StructuredToolInterface[] }>();

  const tierConfigOf = (deps: OrchestratorDeps): TierConfig => options.tierConfig ?? deps.registry.tierConfig;
  // The first provider in line for the tier; a fallback shows up in the final answer event.
  const modelOf = (deps: OrchestratorDeps, tier: Tier): string => {
    const [first] = deps.registry.candidates(tier);
    return first ? first.model : deps.registry.modelId("gateway", tier);
  };

  function agentFor(deps: OrchestratorDeps, tier: Tier): { agent: TierAgent; tools: StructuredToolInterface[] } {
    let built = agents.get(tier);
    if (!built) {
      const settings = tierConfigOf(deps).tiers[tier];
      toolbox ??= createToolbox();
      const tools = selectTools(toolbox, settings.tools.includes("*") ? undefined : settings.tools);
      const agent = createTierAgent({
        tier,
        model: deps.registry.chatModel(tier),
        tools,
        systemPrompt: settings.systemPrompt ?? defaultSystemPrompt(tier),
        maxSteps: settings.maxSteps,
        middleware: [toolEventsMiddleware(tier)],
      });
      built = { agent, tools };
      agents.set(tier, built);
    }
    return built;
  }

  async function route(state: OrchestratorStateType, config: Config): Promise<Partial<OrchestratorStateType>> {
    const deps = await resolveDeps();
    const lastHuman = [...state.messages].reverse().find((m) => isHumanMessage(m));
    const task = (lastHuman ? textOf(lastHuman) : "").trim();
    if (!task) throw new OrchestratorError("No task: send a human message (messages) or a task string.");
    const ctx = config.context ?? {};
    const requested = state.tier ?? ctx.tier ?? (config.configurable?.tier as unknown);
    if (requested !== undefined && !isTier(requested)) {
      throw new OrchestratorError(`Unknown tier "${String(requested)}": use one of ${TIERS.join(", ")}.`);
    }
    const mode: RoutingMode = ctx.routingMode ?? (config.configurable?.routingMode as RoutingMode | undefined) ?? "auto";
    let usage: UsageByTier = {};
    let decision = decideWithoutModel(task, { explicitTier: requested, mode, routing });
    if (!decision && shouldClassify(mode, routing)) {
      const classified = await classifyTask(deps.registry.chatModel("fast"), task, config);
      if (classified) {
        decision = classified;
        if (classified.usage) usage = { fast: classified.usage };
      } else {
        logger.warn("The routing classifier gave no usable answer; using the default tier");
      }
    }
    const tierConfig = tierConfigOf(deps);
    decision ??= { tier: tierConfig.defaultTier, reason: "no explicit tier, rule or classifier decision", source: "default" };
    const model = modelOf(deps, decision.tier);
    const { tier, reason, source } = decision;
    config.writer?.({ type: "route_decided", tier, reason, source, model } satisfies CustomStepEvent);
    // Per-run fields are reset here, because a thread's state carries over between runs.
    return {
      task,
      tier: undefined,
      route: { tier, reason, source, model },
      activeTier: tier,
      failedTiers: [],
      escalations: [],
      lastError: undefined,
      usage,
      result: undefined,
    };
  }

  async function agent(state: OrchestratorStateType, config: Config): Promise<Partial<OrchestratorStateType>> {
    const deps = await resolveDeps();
    const tier = state.activeTier ?? tierConfigOf(deps).defaultTier;
    const settings = tierConfigOf(deps).tiers[tier];
    const { agent: tierAgent, tools } = agentFor(deps, tier);
    const emit = (e: CustomStepEvent) => config.writer?.(e);
    emit({ type: "agent_started", tier, model: modelOf(deps, tier), maxSteps: settings.maxSteps, tools: tools.map((t) => t.name) });

    const input = state.messages;
    let output: BaseMessage[];
    try {
      output = ((await tierAgent.invoke({ messages: input }, config as never)) as { messages: BaseMessage[] }).messages;
    } catch (err) {
      if (config.signal?.aborted) throw err;
      const reason = `${tier} agent failed: ${err instanceof Error ? err.message : String(err)}`;
      logger.warn({ tier }, reason);
      return failed(deps, state, tier, reason, {}, config);
    }
    const produced = output.slice(input.length);
    let spent: TokenUsage = { input: 0, output: 0, total: 0 };
    for (const m of produced) {
      const u = usageOf(m);
      if (u) spent = { input: spent.input + u.input, output: spent.output + u.output, total: spent.total + u.total };
    }
    const usage: UsageByTier = { [tier]: spent };
    if (reachedStepLimit(output)) {
      const reason = `${tier} agent reached its step limit (${settings.maxSteps} model calls)`;
      logger.warn({ tier }, reason);
      return failed(deps, state, tier, reason, usage, config);
    }
    const final = [...produced].reverse().find((m) => isAIMessage(m) && !(m as AIMessage).tool_calls?.length);
    if (!final) return failed(deps, state, tier, `${tier} agent ended without an answer`, usage, config);
    const meta = final.response_metadata as { provider?: string; model_provider?: string; model_name?: string; model?: string };
    const provider = meta.provider ?? meta.model_provider ?? "unknown";
    const result = {
      answer: textOf(final),
      tier,
      provider,
      model: meta.model_name ?? meta.model ?? modelOf(deps, tier),
      simulated: !!deps.simulated && provider === "gateway",
    };
    const total = addUsage(state.usage, usage);
    // Reporting here rather than in a separate node keeps the happy path at two graph steps.
    emit({ type: "final_answer", ...result });
    emit(report(deps, total));
    return { messages: produced, usage: total, result };
  }

  function report(deps: OrchestratorDeps, usage: UsageByTier) {
    const tiers = tierConfigOf(deps).tiers;
    return usageReport(usage, { fast: tiers.fast.prices, standard: tiers.standard.prices, premium: tiers.premium.prices });
  }

  /** Records a failed tier; when no tier is left to escalate to, reports usage and raises. */
  function failed(
    deps: OrchestratorDeps,
    state: OrchestratorStateType,
    tier: Tier,
    reason: string,
    usage: UsageByTier,
    config: Config,
  ): Partial<OrchestratorStateType> {
    const failedTiers = [...state.failedTiers, tier];
    const total = addUsage(state.usage, usage);
    const up = nextTier(tier);
    if (!up || failedTiers.includes(up)) {
      config.writer?.(report(deps, total));
      throw new OrchestratorError(`Every tier up to ${tier} failed the task. Last failure: ${reason}.`);
    }
    return { failedTiers, lastError: reason, usage: total };
  }

  function afterAgent(state: OrchestratorStateType): "escalate" | typeof END {
    return state.result ? END : "escalate";
  }

  function escalate(state: OrchestratorStateType, config: Config): Partial<OrchestratorStateType> {
    const from = state.activeTier!;
    const to = nextTier(from)!;
    const record = { from, to, reason: state.lastError ?? "agent failed" };
    config.writer?.({ type: "escalation", ...record } satisfies CustomStepEvent);
    logger.info(record, `Escalating from ${from} to ${to}`);
    return { activeTier: to, escalations: [...state.escalations, record], lastError: undefined };
  }

  const builder = new StateGraph({ state: OrchestratorState, input: OrchestratorInputSchema, context: OrchestratorContext })
    .addNode("router", route)
    .addNode("agent", agent)
    .addNode("escalate", escalate)
    .addEdge(START, "router")
    .addEdge("router", "agent")
    .addConditionalEdges("agent", afterAgent, ["escalate", END])
    .addEdge("escalate", "agent");
  const compiled = builder.compile({ checkpointer: options.checkpointer, name: "orchestrator" });
  compiled.name = "orchestrator";
  return compiled;
}

/** The orchestrator for `langgraph.json`: providers from the environment, the emulator when none is configured. */
export const graph = createOrchestrator();
