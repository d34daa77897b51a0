/**
 * Agent middleware that streams `tool_call` / `tool_result` step events around each tool call,
 * through the run's custom stream writer. Middleware rather than callback handlers: attaching
 * a callback handler switches on LangChain's callback machinery for every nested run, which
 * costs about a quarter of an agent run at zero model latency.
 */
import { isBaseMessage, ToolMessage } from "@langchain/core/messages";
import { isGraphBubbleUp } from "@langchain/langgraph";
import { createMiddleware } from "langchain";
import type { Tier } from "../../src/providers/types.js";
import { currentLedger } from "./model_calls.js";

/** The agent asked for a tool. */
export interface ToolCallEvent {
  type: "tool_call";
  /** Where the tool comes from: `builtin` (shipped with the project), `code` (the app's own), or `mcp:<server>`. */
  source: string;
  tier: Tier;
  /** The agent (graph node) that called the tool. */
  agent: string;
  /** Set when the call happened inside a plan's subtask. */
  subtaskId?: string;
  id: string;
  name: string;
  args: Record<string, unknown>;
}

/** A tool answered. */
export interface ToolResultEvent {
  type: "tool_result";
  /** Where the tool comes from: `builtin` (shipped with the project), `code` (the app's own), or `mcp:<server>`. */
  source: string;
  tier: Tier;
  /** The agent (graph node) that called the tool. */
  agent: string;
  /** Set when the call happened inside a plan's subtask. */
  subtaskId?: string;
  id: string;
  name: string;
  content: string;
  /** True when the tool reported an error to the model. */
  isError: boolean;
}

const textOf = (output: unknown): string => (isBaseMessage(output) ? output.text : JSON.stringify(output));

/**
 * One line for a failed tool call: the message without stack frames, file paths or the
 * library's wrapping ("Error invoking tool ... with kwargs ..."), at most 300 characters.
 */
export function toolErrorLine(err: unknown): string {
  const raw = err instanceof Error ? err.message : String(err);
  const text = raw
    .split("\n")
    .filter((line) => !/^\s*at\s/.test(line))
    .join(" ")
    .replace(/^Error invoking tool '[^']*' with kwargs .*? with error: (?:Error: )?/s, "")
    .replace(/(?:file:\/\/)?\/[^\s:)]+(?::\d+)*/g, "")
    .replace(/[✖→]/g, "")
    .replace(/\s+/g, " ")
    .trim();
  return (text || "the tool failed").slice(0, 300);
}

/**
 * Middleware emitting tool events for `agent` (a graph node name) running on `tier`;
 * `sourceOf` names where each tool comes from (default: built in).
 */
export function toolEventsMiddleware(tier: Tier, agent: string = `${tier}_agent`, sourceOf: (tool: string) => string = () => "builtin") {
  return createMiddleware({
    name: `ToolEvents_${tier}`,
    wrapToolCall: async (request, handler) => {
      const subtaskId = currentLedger()?.subtaskId;
      const write = request.runtime.writer as ((chunk: unknown) => void) | undefined;
      const emit = (event: ToolCallEvent | ToolResultEvent) => write?.(subtaskId ? { ...event, subtaskId } : event);
      const { id = "", name, args } = request.toolCall;
      const source = sourceOf(name);
      emit({ type: "tool_call", source, tier, agent, id, name, args });
      try {
        const result = await handler(request);
        // A Command (state update) is passed through without a result event.
        if (isBaseMessage(result)) {
          const content = textOf(result);
          const isError = (result as ToolMessage).status === "error" || /^error\b/i.test(content);
          emit({ type: "tool_result", source, tier, agent, id, name, content, isError });
        }
        return result;
      } catch (err) {
        // Interrupts (a tool asking a person) are control flow, not failures.
        if (isGraphBubbleUp(err)) throw err;
        // The model gets one short line it can act on; the stack and server paths stay out of the thread.
        const content = `Error: ${toolErrorLine(err)}`;
        emit({ type: "tool_result", source, tier, agent, id, name, content, isError: true });
        return new ToolMessage({ content, tool_call_id: id, name, status: "error" });
      }
    },
  });
}
