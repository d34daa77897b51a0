/**
 * Per-run gateway headers (an end user's id, a cost centre) ride in the run's
 * `configurable` under one key, so every gateway call of a run gets them: LangChain and
 * LangGraph hand `configurable` down to every nested runnable, agents, classifiers and
 * subgraphs included. They stay out of traces and checkpoints: tracers are given the call
 * options without `headers`, LangGraph copies only a few named scalar `configurable` keys into
 * run metadata, and checkpoints keep only the thread's ids from it.
 */
import type { RunnableConfig } from "@langchain/core/runnables";

/** Key of the run's headers in `configurable`: `{ configurable: { [RUN_HEADERS_KEY]: { "x-end-user": "alice" } } }`. */
export const RUN_HEADERS_KEY = "ai_gateway_headers";

/** The run's headers in `config`, if any (only a plain object of strings counts). */
export function runHeadersOf(config: RunnableConfig | undefined): Record<string, string> | undefined {
  const value = config?.configurable?.[RUN_HEADERS_KEY];
  if (!value || typeof value !== "object" || Array.isArray(value)) return undefined;
  for (const v of Object.values(value)) if (typeof v !== "string") return undefined;
  return value as Record<string, string>;
}

/** `configurable` with the run's `headers` added (unchanged when there are none). */
export function withRunHeaders(configurable: Record<string, unknown> | undefined, headers: Record<string, string> | undefined): Record<string, unknown> | undefined {
  if (!headers || Object.keys(headers).length === 0) return configurable;
  return { ...configurable, [RUN_HEADERS_KEY]: headers };
}
