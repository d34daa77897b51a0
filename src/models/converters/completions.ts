/**
 * Gateway completions -> LangChain messages: a whole completion -> AIMessage, a stream chunk ->
 * AIMessageChunk, wire usage -> UsageMetadata. Pure functions.
 */
import { AIMessage, AIMessageChunk, type UsageMetadata } from "@langchain/core/messages";
import type { InvalidToolCall, ToolCall, ToolCallChunk } from "@langchain/core/messages/tool";
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionMessageToolCall, CompletionUsage } from "../../gateway/wire.js";

/** Value of `response_metadata.model_provider` on every message this model returns. */
export const MODEL_PROVIDER = "ai_gateway";

/** Response metadata of one answer. */
export interface AIGatewayResponseMetadata {
  model_provider: typeof MODEL_PROVIDER;
  /** The model that answered, as the gateway reports it (LangChain's v1 standard key). */
  model?: string;
  /** Same as `model`, under the name older LangChain code reads. */
  model_name?: string;
  finish_reason?: string;
  /** The gateway's x-request-id, to quote when asking its operators about a call. */
  request_id?: string;
  system_fingerprint?: string;
  /** True when this project's gateway emulator answered (a simulated model, not a real LLM). */
  simulated?: boolean;
  [key: string]: unknown;
}

/**
 * Wire usage -> LangChain usage. `cache_read` and `reasoning` appear exactly when the gateway
 * sent `prompt_tokens_details.cached_tokens` / `completion_tokens_details.reasoning_tokens`.
 */
export function convertUsageToUsageMetadata(usage: CompletionUsage): UsageMetadata {
  const out: UsageMetadata = {
    input_tokens: usage.prompt_tokens ?? 0,
    output_tokens: usage.completion_tokens ?? 0,
    total_tokens: usage.total_tokens ?? (usage.prompt_tokens ?? 0) + (usage.completion_tokens ?? 0),
  };
  const cached = usage.prompt_tokens_details?.cached_tokens;
  if (typeof cached === "number") out.input_token_details = { cache_read: cached };
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  if (typeof reasoning === "number") out.output_token_details = { reasoning };
  return out;
}

/**
 * A wire tool call -> a parsed ToolCall, or an InvalidToolCall when its arguments are not a
 * JSON object. Never throws: a model's broken JSON is data for the caller, not a crash.
 */
export function convertWireToolCallToToolCall(call: { id?: string; function?: { name?: string; arguments?: string } }): ToolCall | InvalidToolCall {
  const name = call.function?.name ?? "";
  const raw = call.function?.arguments ?? "";
  let args: unknown;
  try {
    // The API sends "" for a tool without parameters.
    args = raw.trim() === "" ? {} : JSON.parse(raw);
  } catch (err) {
    return { type: "invalid_tool_call", id: call.id, name, args: raw, error: `Arguments are not valid JSON: ${(err as Error).message}` };
  }
  if (args === null || typeof args !== "object" || Array.isArray(args)) {
    return { type: "invalid_tool_call", id: call.id, name, args: raw, error: "Arguments are not a JSON object." };
  }
  return { type: "tool_call", id: call.id, name, args: args as Record<string, unknown> };
}

/** Splits wire tool calls into valid and invalid LangChain tool calls. */
export function convertWireToolCallsToToolCalls(calls: readonly ChatCompletionMessageToolCall[] | undefined | null): {
  toolCalls: ToolCall[];
  invalidToolCalls: InvalidToolCall[];
} {
  const toolCalls: ToolCall[] = [];
  const invalidToolCalls: InvalidToolCall[] = [];
  if (calls) {
    for (const call of calls) {
      // Some gateways omit `type` or send it empty; a call with a `function` is a function call all the same.
      if (call.type !== "function" && !(!call.type && (call as { function?: unknown }).function)) continue;
      const parsed = convertWireToolCallToToolCall(call);
      if (parsed.type === "tool_call") toolCalls.push(parsed as ToolCall);
      else invalidToolCalls.push(parsed as InvalidToolCall);
    }
  }
  return { toolCalls, invalidToolCalls };
}

/** A non-streamed completion (first choice) -> AIMessage with usage and response metadata. */
export function convertCompletionToAIMessage(completion: ChatCompletion, requestId?: string): AIMessage {
  return convertChoiceToAIMessage(completion, completion.choices?.[0], requestId, true);
}

/**
 * A non-streamed completion -> one AIMessage per choice (`n > 1`), in the gateway's order; one
 * empty message when there is no choice. Usage covers the whole request, so it goes on the
 * first message only: summing the messages' usage must not count the request n times.
 */
export function convertCompletionToAIMessages(completion: ChatCompletion, requestId?: string): AIMessage[] {
  const choices = completion.choices ?? [];
  if (choices.length <= 1) return [convertCompletionToAIMessage(completion, requestId)];
  return choices.map((choice, i) => convertChoiceToAIMessage(completion, choice, requestId, i === 0));
}

function convertChoiceToAIMessage(
  completion: ChatCompletion,
  choice: ChatCompletion["choices"][number] | undefined,
  requestId: string | undefined,
  withUsage: boolean,
): AIMessage {
  const message = choice?.message;
  const { toolCalls, invalidToolCalls } = convertWireToolCallsToToolCalls(message?.tool_calls);
  const response_metadata: AIGatewayResponseMetadata = {
    model_provider: MODEL_PROVIDER,
    model: completion.model,
    model_name: completion.model,
    finish_reason: choice?.finish_reason ?? undefined,
  };
  if (requestId) response_metadata.request_id = requestId;
  if (completion.system_fingerprint) response_metadata.system_fingerprint = completion.system_fingerprint;
  const additional_kwargs: Record<string, unknown> = {};
  if (message?.refusal) additional_kwargs.refusal = message.refusal;
  return new AIMessage({
    content: message?.content ?? "",
    id: completion.id,
    tool_calls: toolCalls,
    invalid_tool_calls: invalidToolCalls,
    additional_kwargs,
    response_metadata,
    usage_metadata: withUsage && completion.usage ? convertUsageToUsageMetadata(completion.usage) : undefined,
  });
}

/**
 * A text-only AIMessageChunk, built the cheap way. AIMessageChunk's object constructor does
 * `{ ...fields, tool_calls: [...], ... }`, which V8 (Node 20) runs on a slow path of several
 * microseconds, while the string constructor costs a fraction of that. A long answer streams
 * thousands of chunks, so text chunks are built from the string and then given their id and
 * metadata, in the fields and in `lc_kwargs` alike (serialisation reads the latter). A unit
 * test keeps the result identical to `new AIMessageChunk({ content, id, response_metadata })`.
 */
export function createTextChunk(content: string, id: string | undefined, metadata: AIGatewayResponseMetadata): AIMessageChunk {
  const chunk = new AIMessageChunk(content);
  // The string constructor made one response_metadata object, shared with lc_kwargs.
  Object.assign(chunk.response_metadata, metadata);
  if (id !== undefined) {
    chunk.id = id;
    chunk.lc_kwargs.id = id;
  }
  return chunk;
}

/** A streamed tool-call fragment as gateways send it: `index` may be missing, `id` and `name` empty. */
type ToolCallDelta = { index?: number; id?: string | null; function?: { name?: string | null; arguments?: string | null } | null };

/**
 * Numbers the tool-call fragments of one stream. OpenAI gives each fragment its call's
 * `index`; Gemini's OpenAI-compatible endpoint and some proxies send none, which would make
 * every fragment a call of its own. Without an index, a fragment with a new `id` (or a name,
 * when the current call already has one) starts the next call; any other continues the current one.
 */
export class ToolCallIndexer {
  private next = 0;
  private current?: { index: number; id?: string; named: boolean };

  /** The wire index of `call`'s tool call. */
  indexOf(call: ToolCallDelta): number {
    const id = call.id || undefined;
    const named = !!call.function?.name;
    if (typeof call.index === "number") {
      if (this.current?.index !== call.index) this.current = { index: call.index, id, named };
      this.next = Math.max(this.next, call.index + 1);
      return call.index;
    }
    const current = this.current;
    if (!current || (id !== undefined && id !== current.id) || (id === undefined && named && current.named)) {
      this.current = { index: this.next++, id, named };
      return this.current.index;
    }
    current.id ??= id;
    current.named ||= named;
    return current.index;
  }
}

/**
 * One stream delta -> AIMessageChunk. Tool call fragments become `tool_call_chunks` carrying
 * the wire index (from `indexer` when given, which also numbers fragments sent without one), so
 * concatenating chunks joins each call's fragments. `metadata` goes on this chunk only: string
 * metadata is concatenated when chunks are merged, so model name, finish reason and request id
 * must appear on exactly one chunk.
 */
export function convertDeltaToAIMessageChunk(
  chunk: ChatCompletionChunk,
  delta: ChatCompletionChunk.Choice.Delta,
  metadata?: AIGatewayResponseMetadata,
  indexer?: ToolCallIndexer,
): AIMessageChunk {
  const response_metadata = metadata ?? { model_provider: MODEL_PROVIDER };
  if (!delta.tool_calls?.length && !delta.refusal) return createTextChunk(delta.content ?? "", chunk.id, response_metadata);
  const toolCallChunks: ToolCallChunk[] = (delta.tool_calls ?? []).map((tc: ToolCallDelta) => ({
    type: "tool_call_chunk" as const,
    index: indexer ? indexer.indexOf(tc) : tc.index,
    // Empty strings (some proxies' way of saying "absent") would be glued onto the real values.
    id: tc.id || undefined,
    name: tc.function?.name || undefined,
    args: tc.function?.arguments ?? "",
  }));
  return new AIMessageChunk({
    content: delta.content ?? "",
    id: chunk.id,
    tool_call_chunks: toolCallChunks,
    additional_kwargs: delta.refusal ? { refusal: delta.refusal } : {},
    response_metadata,
  });
}

/** The usage-only chunk that ends a stream with `include_usage`. */
export function convertUsageToAIMessageChunk(chunk: ChatCompletionChunk, usage: CompletionUsage): AIMessageChunk {
  return new AIMessageChunk({
    content: "",
    id: chunk.id,
    response_metadata: { model_provider: MODEL_PROVIDER },
    usage_metadata: convertUsageToUsageMetadata(usage),
  });
}
