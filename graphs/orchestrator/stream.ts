/** `streamSteps`: the typed step events of one orchestrator run, tokens included, for apps. */
import { AIMessageChunk, HumanMessage, type BaseMessage } from "@langchain/core/messages";
import { Command } from "@langchain/langgraph";
import type { RoutingMode } from "../../src/providers/routing_rules.js";
import { isTier, type Tier } from "../../src/providers/types.js";
import type { CustomStepEvent, StepEvent } from "./events.js";
import type { OrchestratorGraph } from "./graph.js";
import { agentNode } from "./nodes/router.js";
import type { OrchestratorInput } from "./state.js";

/** Options of `streamSteps`. */
export interface StreamStepsOptions {
  /** The graph to run; default the environment-configured graph of `studio.ts`. */
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

/** What a run takes besides a task string: the full input, or the answer to a pending interrupt. */
export type StepsInput = string | (Partial<OrchestratorInput> & { task?: string }) | { resume: unknown };

/** Turns a task string or input object into graph input (a task string becomes the human message). */
export function toGraphInput(input: StepsInput): OrchestratorInput | Command {
  if (typeof input === "string") return { messages: [new HumanMessage(input)] };
  if ("resume" in input) return new Command({ resume: input.resume });
  const { task, messages = [], ...rest } = input;
  return { ...rest, messages: [...messages, ...(task ? [new HumanMessage(task)] : [])] } as OrchestratorInput;
}

/**
 * Runs the orchestrator and yields its step events in order (see `events.ts`): `route_decided`,
 * `agent_started`, `tool_call`, `tool_result`, `token` (an agent's streamed answer text),
 * `attempt_discarded`, `escalation`, `interrupted`, `final_answer`, `usage`. Errors of the run
 * are thrown after the events so far. Pass `{ resume }` to answer a pending interrupt.
 */
export async function* streamSteps(input: StepsInput, options: StreamStepsOptions = {}): AsyncGenerator<StepEvent> {
  const graph = options.graph ?? (await (await import("./studio.js")).graph);
  const context = { ...(options.tier !== undefined ? { tier: options.tier } : {}), ...(options.routingMode !== undefined ? { routingMode: options.routingMode } : {}) };
  const stream = await graph.stream(toGraphInput(input) as never, {
    streamMode: options.tokens === false ? ["custom"] : ["custom", "messages"],
    configurable: options.threadId ? { thread_id: options.threadId } : undefined,
    context: context as never,
    signal: options.signal,
  });
  for await (const [mode, data] of stream as AsyncIterable<[string, unknown]>) {
    if (mode === "custom") {
      yield data as CustomStepEvent;
    } else if (mode === "messages") {
      const [message, metadata] = data as [BaseMessage, { langgraph_node?: string; tier?: unknown }];
      // Only an agent's streamed answer is a token; whole messages and internal calls are not.
      if (!AIMessageChunk.isInstance(message) || !isTier(metadata?.tier) || metadata.langgraph_node !== agentNode(metadata.tier)) continue;
      const text = message.text;
      if (text) yield { type: "token", text, tier: metadata.tier };
    }
  }
}
