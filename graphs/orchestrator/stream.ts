/** One orchestrator run as typed step events (tokens included), and the input forms a run takes. */
import { AIMessageChunk, HumanMessage, type BaseMessage } from "@langchain/core/messages";
import { Command } from "@langchain/langgraph";
import { isTier } from "../../src/providers/types.js";
import type { ApprovalInput } from "./approvals.js";
import type { ThreadClaim } from "../thread_claims.js";
import { OrchestratorInputError, RunSupersededError } from "./errors.js";
import type { CustomStepEvent, StepEvent } from "./events.js";
import type { OrchestratorGraph } from "./graph.js";
import type { OrchestratorInput } from "./state.js";
import { checkHeaders, HeaderRuleError, RUN_HEADER_LIMITS } from "../../src/config/headers.js";
import { withRunHeaders } from "../../src/models/chat_models/run_headers.js";

/** The run's `headers` checked (names lower-cased), or an OrchestratorInputError naming the bad one. */
export function runHeaders(headers: Record<string, string> | undefined): Record<string, string> | undefined {
  if (headers === undefined) return undefined;
  try {
    return checkHeaders(headers, "headers", RUN_HEADER_LIMITS);
  } catch (err) {
    if (err instanceof HeaderRuleError) throw new OrchestratorInputError(err.message);
    throw err;
  }
}

/** `RunSupersededError` when a newer run stopped the holder of `claim`; else undefined. */
export function supersededError(claim: ThreadClaim | undefined): RunSupersededError | undefined {
  const mode = claim?.stopped.aborted ? claim.stopped.reason : undefined;
  return mode === "interrupt" || mode === "rollback" ? new RunSupersededError(mode) : undefined;
}

/**
 * What a run takes besides a task string: the full input, the answer to a pending interrupt
 * (`resume`, or a Command), or a decision on the thread's pending approvals (`approval`).
 */
export type StepsInput =
  | string
  | (Partial<OrchestratorInput> & { task?: string })
  | { resume: unknown }
  | { approval: ApprovalInput | ApprovalInput[] }
  | Command;

/** Turns a task string or input object into graph input (a task string becomes the human message). */
export function toGraphInput(input: Exclude<StepsInput, { approval: unknown }>): OrchestratorInput | Command {
  if (typeof input === "string") return { messages: [new HumanMessage(input)] };
  if (input instanceof Command) return input;
  if ("resume" in input) return new Command({ resume: input.resume });
  const { task, messages = [], ...rest } = input;
  return { ...rest, messages: [...messages, ...(task ? [new HumanMessage(task)] : [])] } as OrchestratorInput;
}

/** What the graph takes for one run besides its input: the run context, where it stops, its headers and trace. */
export interface GraphRunOptions {
  threadId?: string;
  /** Include `token` events (default true). */
  tokens?: boolean;
  signal?: AbortSignal;
  /** Checked run headers (see `runHeaders`). */
  headers?: Record<string, string>;
}

/**
 * Streams one run of `graph` as step events: the custom events its nodes emit, and each agent's
 * answer text as `token` events. No policy is applied here: the run service (src/runs) decides
 * who may run what before it calls this.
 */
export async function* graphSteps(graph: OrchestratorGraph, graphInput: OrchestratorInput | Command, context: Record<string, unknown>, options: GraphRunOptions, configurable: Record<string, unknown>): AsyncGenerator<StepEvent> {
  // The run's OpenTelemetry trace comes with the graph (run_traces.ts).
  const stream = await graph.stream(graphInput as never, {
    streamMode: options.tokens === false ? ["custom"] : ["custom", "messages"],
    configurable: withRunHeaders({ ...configurable, ...(options.threadId ? { thread_id: options.threadId } : {}) }, options.headers),
    context: context as never,
    signal: options.signal,
  });
  for await (const [mode, data] of stream as AsyncIterable<[string, unknown]>) {
    if (mode === "custom") {
      yield data as CustomStepEvent;
    } else if (mode === "messages") {
      const [message, metadata] = data as [BaseMessage, { langgraph_node?: string; tier?: unknown; agent?: unknown; subtask_id?: unknown }];
      // Only an agent's streamed answer is a token (the relay marks it); whole messages and internal calls are not.
      if (!AIMessageChunk.isInstance(message) || !isTier(metadata?.tier) || typeof metadata.agent !== "string" || metadata.langgraph_node !== metadata.agent) continue;
      const text = message.text;
      if (text) yield { type: "token", text, tier: metadata.tier, agent: metadata.agent, ...(typeof metadata.subtask_id === "string" ? { subtaskId: metadata.subtask_id } : {}) };
    }
  }
}
