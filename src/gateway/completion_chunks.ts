/**
 * A JSON answer to a streaming request, as stream chunks. Some gateways (and proxies in front
 * of them) do not speak server-sent events and answer `stream: true` with a plain completion;
 * with AI_GATEWAY_STREAMING=false the client asks for one on purpose. Either way the caller of
 * `streamChatCompletion` gets the same chunks it would have got from a stream that sent the
 * whole answer at once: one chunk with every choice's text, tool calls and finish reason, then
 * one usage chunk, as `stream_options.include_usage` gives.
 */
import type { Dispatcher } from "undici";
import { AIGatewayError, AIGatewayStreamError } from "./errors.js";
import { invalidResponseError } from "./status_errors.js";
import { firstHeader } from "./response_meta.js";
import type { StreamContext } from "./sse.js";
import type { ChatCompletion, ChatCompletionChunk } from "./wire.js";

type ChunkChoice = ChatCompletionChunk["choices"][number];
type ChunkToolCall = NonNullable<ChunkChoice["delta"]["tool_calls"]>[number];

/** Whether a response's content type says JSON (`application/json`, `application/problem+json`, ...). */
export function isJsonResponse(res: Dispatcher.ResponseData): boolean {
  const type = res.headers["content-type"];
  const value = firstHeader(type) ?? "";
  return /^\s*application\/([\w.-]+\+)?json\b/i.test(value);
}

/** The chunks a stream of `completion` would have carried. */
export function convertCompletionToChunks(completion: ChatCompletion): ChatCompletionChunk[] {
  const base = { id: completion.id, object: "chat.completion.chunk" as const, created: completion.created, model: completion.model };
  const fingerprint = completion.system_fingerprint ? { system_fingerprint: completion.system_fingerprint } : {};
  const choices: ChunkChoice[] = (completion.choices ?? []).map((choice, position) => {
    const message = choice.message ?? { role: "assistant", content: null };
    const delta: ChunkChoice["delta"] = { role: "assistant" };
    if (typeof message.content === "string") delta.content = message.content;
    if (typeof message.refusal === "string") delta.refusal = message.refusal;
    const calls: ChunkToolCall[] = [];
    for (const call of message.tool_calls ?? []) {
      // Some gateways leave `type` out; a call with a function is a function call all the same.
      const fn = (call as { function?: { name?: unknown; arguments?: unknown } }).function;
      if (call.type === "custom" || !fn || typeof fn.name !== "string") continue;
      calls.push({ index: calls.length, id: call.id, type: "function", function: { name: fn.name, arguments: typeof fn.arguments === "string" ? fn.arguments : "" } });
    }
    if (calls.length > 0) delta.tool_calls = calls;
    return {
      index: choice.index ?? position,
      delta,
      // A completion always finishes; one without a reason is taken as a plain stop.
      finish_reason: (choice.finish_reason ?? "stop") as ChunkChoice["finish_reason"],
      logprobs: choice.logprobs ?? null,
    };
  });
  const chunks: ChatCompletionChunk[] = [{ ...base, ...fingerprint, choices }];
  if (completion.usage) chunks.push({ ...base, ...fingerprint, choices: [], usage: completion.usage });
  return chunks;
}

/**
 * Reads a JSON answer to a streaming request and returns its chunks. A body that is not JSON,
 * or JSON that is not a completion, raises a retryable error (nothing has reached the caller yet).
 */
export async function readJsonAnswer(res: Dispatcher.ResponseData, ctx: StreamContext): Promise<ChatCompletionChunk[]> {
  const text = await res.body.text();
  const rid = ctx.requestId ? ` (request id ${ctx.requestId})` : "";
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The same error a non-streaming call gets for an unreadable 2xx body.
    throw invalidResponseError(res, ctx.host);
  }
  const body = parsed as { choices?: unknown; error?: unknown };
  if (body && typeof body === "object" && body.error && !Array.isArray(body.choices)) {
    throw new AIGatewayStreamError(`The AI gateway at '${ctx.host}' answered with an error instead of a completion${rid}.`, {
      code: "stream_error_event",
      status: res.statusCode,
      requestId: ctx.requestId,
      retryable: true,
    });
  }
  if (!body || typeof body !== "object" || !Array.isArray(body.choices)) {
    throw new AIGatewayError(`The AI gateway at '${ctx.host}' sent JSON that is not a chat completion${rid}.`, {
      code: "invalid_response",
      status: res.statusCode,
      requestId: ctx.requestId,
      retryable: true,
    });
  }
  return convertCompletionToChunks(parsed as ChatCompletion);
}
