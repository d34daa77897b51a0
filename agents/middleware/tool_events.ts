/**
 * Agent middleware that streams `tool_call` / `tool_result` step events around each tool call,
 * through the run's custom stream writer. Middleware rather than callback handlers: attaching
 * a callback handler switches on LangChain's callback machinery for every nested run, which
 * costs about a quarter of an agent run at zero model latency.
 */
import { isBaseMessage, type ToolMessage } from "@langchain/core/messages";
import { createMiddleware } from "langchain";
import type { Tier } from "../../src/providers/types.js";

/** The agent asked for a tool. */
export interface ToolCallEvent {
  type: "tool_call";
  tier: Tier;
  id: string;
  name: string;
  args: Record<string, unknown>;
}

/** A tool answered. */
export interface ToolResultEvent {
  type: "tool_result";
  tier: Tier;
  id: string;
  name: string;
  content: string;
  /** True when the tool reported an error to the model. */
  isError: boolean;
}

const textOf = (output: unknown): string => (isBaseMessage(output) ? output.text : JSON.stringify(output));

/** Middleware emitting tool events for the agent of `tier`. */
export function toolEventsMiddleware(tier: Tier) {
  return createMiddleware({
    name: `ToolEvents_${tier}`,
    wrapToolCall: async (request, handler) => {
      const emit = (event: ToolCallEvent | ToolResultEvent) => (request.runtime.writer as ((chunk: unknown) => void) | undefined)?.(event);
      const { id = "", name, args } = request.toolCall;
      emit({ type: "tool_call", tier, id, name, args });
      try {
        const result = await handler(request);
        // A Command (state update) is passed through without a result event.
        if (isBaseMessage(result)) {
          const content = textOf(result);
          const isError = (result as ToolMessage).status === "error" || /^error\b/i.test(content);
          emit({ type: "tool_result", tier, id, name, content, isError });
        }
        return result;
      } catch (err) {
        emit({ type: "tool_result", tier, id, name, content: `Error: ${err instanceof Error ? err.message : String(err)}`, isError: true });
        throw err;
      }
    },
  });
}
