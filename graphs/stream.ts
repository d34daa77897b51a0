/** `streamSteps`: the typed step events of one orchestrator run, tokens included, for apps. */
import { HumanMessage, isAIMessageChunk, type BaseMessage, type BaseMessageChunk } from "@langchain/core/messages";
import { isTier, TIERS, type Tier } from "../src/providers/types.js";
import type { CustomStepEvent, StepEvent } from "./events.js";
import type { createOrchestrator } from "./orchestrator.js";
import { ROUTING_MODES, type RoutingMode } from "./router.js";
import type { OrchestratorInput } from "./state.js";

/** A compiled orchestrator graph. */
export type OrchestratorGraph = ReturnType<typeof createOrchestrator>;

/** Options of `streamSteps`. */
export interface StreamStepsOptions {
  /** The graph to run; default the environment-configured `graph`. */
  graph?: OrchestratorGraph;
  /** Continue (or start) this conversation thread; needs a graph with a checkpointer. */
  threadId?: string;
  /** Force a tier (skips routing). */
  tier?: Tier;
  routingMode?: RoutingMode;
  signal?: AbortSignal;
  /** Include `token` events (default true). */
  tokens?: boolean;
}

/** Turns a task string or input object into graph input. */
export function toGraphInput(input: string | OrchestratorInput): { messages: (BaseMessage | { role: string; content: string })[]; tier?: Tier } {
  if (typeof input === "string") return { messages: [new HumanMessage(input)] };
  // A task string becomes the run's human message: the router always routes the last one.
  const messages = [...(input.messages ?? []), ...(input.task ? [new HumanMessage(input.task)] : [])];
  return { messages, ...(input.tier ? { tier: input.tier } : {}) };
}

/**
 * Runs the orchestrator and yields its step events in order: `route_decided`, `agent_started`,
 * `tool_call`, `tool_result`, `escalation`, `token` (streamed model text, from inside the
 * agents too), `final_answer`, `usage`. Errors of the run are thrown after the events so far.
 */
export async function* streamSteps(input: string | OrchestratorInput, options: StreamStepsOptions = {}): AsyncGenerator<StepEvent> {
  if (options.tier !== undefined && !isTier(options.tier)) {
    throw new Error(`Unknown tier "${String(options.tier)}": use one of ${TIERS.join(", ")}.`);
  }
  if (options.routingMode !== undefined && !(ROUTING_MODES as readonly string[]).includes(options.routingMode)) {
    throw new Error(`Unknown routing mode "${String(options.routingMode)}": use one of ${ROUTING_MODES.join(", ")}.`);
  }
  const graph = options.graph ?? (await import("./orchestrator.js")).graph;
  const context = { ...(options.tier ? { tier: options.tier } : {}), ...(options.routingMode ? { routingMode: options.routingMode } : {}) };
  const stream = await graph.stream(toGraphInput(input) as never, {
    streamMode: options.tokens === false ? ["custom"] : ["custom", "messages"],
    configurable: options.threadId ? { thread_id: options.threadId } : undefined,
    subgraphs: true,
    context: context as never,
    signal: options.signal,
  });
  // With subgraphs on, chunks are [namespace, mode, data]; tokens from inside the agents arrive this way.
  for await (const chunk of stream as AsyncIterable<[string[], string, unknown]>) {
    const [, mode, data] = chunk;
    if (mode === "custom") {
      yield data as CustomStepEvent;
    } else if (mode === "messages") {
      const [message, metadata] = data as [BaseMessageChunk, { langgraph_node?: string }];
      if (!isAIMessageChunk(message)) continue;
      const text = typeof message.content === "string" ? message.content : message.content.map((b) => (b.type === "text" ? String((b as { text?: unknown }).text ?? "") : "")).join("");
      if (text) yield { type: "token", text, node: metadata?.langgraph_node };
    }
  }
}
