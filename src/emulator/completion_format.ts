/**
 * Turns a simulated completion into the wire shapes: one `chat.completion` object, or the
 * sequence of `chat.completion.chunk` objects of a stream (one simulated token per chunk,
 * tool-call arguments in several fragments), matching what OpenAI sends.
 */
import type { ChatCompletion, ChatCompletionChunk } from "../gateway/wire.js";
import type { SimulatedCompletion } from "./simulated_model.js";
import { tokenize } from "./text.js";

/** Fields shared by every object of one completion. */
export interface CompletionMeta {
  id: string;
  created: number;
  model: string;
}

/** The chunks of a stream, grouped so fault injection can cut it at a chosen point. */
export interface ChunkPlan {
  /** First chunk: `delta.role = "assistant"`. */
  role: ChatCompletionChunk;
  /** Content tokens then tool-call fragments; the last one carries `finish_reason`. */
  deltas: ChatCompletionChunk[];
  /** Final `choices: []` chunk with usage, when `stream_options.include_usage` asked for it. */
  usage?: ChatCompletionChunk;
}

const FINGERPRINT = "fp_emulator";
// Tool arguments are cut into at most this many fragments, like a model emitting them piecemeal.
const ARGUMENT_FRAGMENTS = 4;

/** The non-streaming response body. */
export function completionBody(result: SimulatedCompletion, meta: CompletionMeta): ChatCompletion {
  const message: ChatCompletion.Choice["message"] = { role: "assistant", content: result.content, refusal: null, annotations: [] };
  if (result.toolCalls.length > 0) {
    message.tool_calls = result.toolCalls.map((call) => ({
      id: call.id,
      type: "function" as const,
      function: { name: call.name, arguments: call.arguments },
    }));
  }
  return {
    id: meta.id,
    object: "chat.completion",
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: result.finishReason }],
    usage: result.usage,
    service_tier: "default",
    system_fingerprint: FINGERPRINT,
  };
}

/** Cuts a string into up to `parts` pieces on code-point boundaries (never inside a surrogate pair). */
export function fragments(text: string, parts: number): string[] {
  const chars = Array.from(text);
  if (chars.length === 0) return [];
  const size = Math.max(1, Math.ceil(chars.length / parts));
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(""));
  return out;
}

/** The stream's chunks for a completion. */
export function completionChunks(result: SimulatedCompletion, meta: CompletionMeta, includeUsage: boolean): ChunkPlan {
  const chunk = (delta: ChatCompletionChunk.Choice.Delta, finish: ChatCompletionChunk.Choice["finish_reason"] = null): ChatCompletionChunk => {
    const c: ChatCompletionChunk = {
      id: meta.id,
      object: "chat.completion.chunk",
      created: meta.created,
      model: meta.model,
      system_fingerprint: FINGERPRINT,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    };
    // The real API puts `usage: null` on every chunk once usage was requested.
    if (includeUsage) c.usage = null;
    return c;
  };
  const role = chunk({ role: "assistant", content: "", refusal: null });
  const deltas: ChatCompletionChunk[] = [];
  for (const token of tokenize(result.content ?? "")) deltas.push(chunk({ content: token }));
  result.toolCalls.forEach((call, index) => {
    deltas.push(chunk({ tool_calls: [{ index, id: call.id, type: "function", function: { name: call.name, arguments: "" } }] }));
    for (const piece of fragments(call.arguments, ARGUMENT_FRAGMENTS)) {
      deltas.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
    }
  });
  if (deltas.length === 0) deltas.push(chunk({}));
  deltas[deltas.length - 1].choices[0].finish_reason = result.finishReason;
  const plan: ChunkPlan = { role, deltas };
  if (includeUsage) {
    plan.usage = {
      id: meta.id,
      object: "chat.completion.chunk",
      created: meta.created,
      model: meta.model,
      system_fingerprint: FINGERPRINT,
      choices: [],
      usage: result.usage,
    };
  }
  return plan;
}

/** A copy of a chunk without its finish reason, for streams a fault cuts short. */
export function withoutFinishReason(chunk: ChatCompletionChunk): ChatCompletionChunk {
  return { ...chunk, choices: chunk.choices.map((c) => ({ ...c, finish_reason: null })) };
}
