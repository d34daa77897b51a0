/** Aggregation of a streamed answer into the AIMessage a non-streamed call would give. */
import { AIMessage, type AIMessageChunk, type UsageMetadata } from "@langchain/core/messages";
import type { InvalidToolCall, ToolCall } from "@langchain/core/messages/tool";
import type { ChatGenerationChunk, ChatResult } from "@langchain/core/outputs";
import { convertWireToolCallToToolCall, MODEL_PROVIDER } from "../converters/completions.js";

/** Token usage of an answer in the shape LangChain callbacks read from `llmOutput`. */
export function tokenUsageOutput(usage: UsageMetadata | undefined): Record<string, unknown> | undefined {
  return usage
    ? { tokenUsage: { promptTokens: usage.input_tokens, completionTokens: usage.output_tokens, totalTokens: usage.total_tokens } }
    : undefined;
}

/**
 * Consumes a chunk stream and builds one AIMessage: text joined, tool call fragments joined
 * per wire index and parsed strictly (broken JSON becomes an invalid tool call, exactly as in
 * a non-streamed call), refusal fragments joined, the one usage chunk, and the metadata of
 * the finishing chunk.
 */
export async function aggregateChunksToChatResult(chunks: AsyncIterable<ChatGenerationChunk>): Promise<ChatResult> {
  let text = "";
  let refusal = "";
  let id: string | undefined;
  let usage: UsageMetadata | undefined;
  let metadata: Record<string, unknown> | undefined;
  const calls = new Map<number, { id?: string; name: string; args: string }>();
  for await (const generation of chunks) {
    const chunk = generation.message as AIMessageChunk;
    if (typeof chunk.content === "string") text += chunk.content;
    // A refusal streams in fragments like content; the non-streamed path keeps it, so must this.
    if (typeof chunk.additional_kwargs.refusal === "string") refusal += chunk.additional_kwargs.refusal;
    id ??= chunk.id;
    if (chunk.usage_metadata) usage = chunk.usage_metadata;
    if (chunk.response_metadata.finish_reason !== undefined) metadata = chunk.response_metadata;
    for (const part of chunk.tool_call_chunks ?? []) {
      const index = part.index ?? calls.size;
      let call = calls.get(index);
      if (!call) calls.set(index, (call = { name: "", args: "" }));
      if (part.id) call.id = part.id;
      if (part.name) call.name += part.name;
      call.args += part.args ?? "";
    }
  }
  const toolCalls: ToolCall[] = [];
  const invalidToolCalls: InvalidToolCall[] = [];
  for (const index of [...calls.keys()].sort((a, b) => a - b)) {
    const call = calls.get(index)!;
    const parsed = convertWireToolCallToToolCall({ id: call.id, function: { name: call.name, arguments: call.args } });
    if (parsed.type === "tool_call") toolCalls.push(parsed as ToolCall);
    else invalidToolCalls.push(parsed as InvalidToolCall);
  }
  const message = new AIMessage({
    content: text,
    id,
    tool_calls: toolCalls,
    invalid_tool_calls: invalidToolCalls,
    additional_kwargs: refusal ? { refusal } : {},
    response_metadata: metadata ?? { model_provider: MODEL_PROVIDER },
    usage_metadata: usage,
  });
  const finish = metadata?.finish_reason as string | undefined;
  return {
    generations: [{ text, message, generationInfo: finish ? { finish_reason: finish } : undefined }],
    llmOutput: tokenUsageOutput(usage),
  };
}
