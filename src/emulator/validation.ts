/**
 * Request validation that mirrors the real API's 4xx answers, so clients meet the same
 * errors offline (notably the GPT-5 family's `max_tokens` and `temperature` rules).
 */
import type { ChatCompletionRequest, WireErrorBody } from "../gateway/wire.js";
import { messageText } from "./text.js";

/** Outcome of validating a chat request body. */
export type ValidationResult =
  | { ok: true; request: ChatCompletionRequest & { stream?: boolean | null; stream_options?: { include_usage?: boolean } | null } }
  | { ok: false; status: number; body: WireErrorBody };

/** Error body in the OpenAI shape. */
export function openAIError(message: string, type: string, code: string | null = null, param: string | null = null): WireErrorBody {
  return { error: { message, type, param, code } };
}

/** Model id without an optional "provider/" prefix (gateways often namespace ids). */
export function baseModelId(model: string): string {
  const slash = model.lastIndexOf("/");
  return slash >= 0 ? model.slice(slash + 1) : model;
}

/** Reasoning models reject `max_tokens` and non-default `temperature`: gpt-5* except "-chat" ids, and o-series. */
export function isReasoningModel(model: string): boolean {
  const id = baseModelId(model).toLowerCase();
  return (id.startsWith("gpt-5") && !id.includes("-chat")) || /^o\d/.test(id);
}

/** Models listed but not served by chat completions (embeddings, audio, images, moderation). */
export function isChatModel(model: string): boolean {
  const id = baseModelId(model).toLowerCase();
  return !/^(text-embedding|whisper|tts|dall-e|gpt-image|omni-moderation|text-moderation)/.test(id);
}

function invalid(status: number, message: string, code: string | null, param: string | null): ValidationResult {
  return { ok: false, status, body: openAIError(message, "invalid_request_error", code, param) };
}

/** Validates a parsed chat completion body against the served models, like the real endpoint. */
export function validateChatRequest(body: unknown, models: ReadonlySet<string>): ValidationResult {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return invalid(400, "The request body must be a JSON object.", null, null);
  }
  const b = body as Record<string, unknown>;
  if (typeof b.model !== "string" || b.model.length === 0) {
    return invalid(400, "you must provide a model parameter", "missing_required_parameter", "model");
  }
  if (b.messages === undefined) {
    return invalid(400, "Missing required parameter: 'messages'.", "missing_required_parameter", "messages");
  }
  if (!Array.isArray(b.messages) || b.messages.length === 0) {
    return invalid(400, "Invalid 'messages': expected a non-empty array of messages.", "invalid_type", "messages");
  }
  for (const [i, m] of b.messages.entries()) {
    if (typeof m !== "object" || m === null || typeof (m as { role?: unknown }).role !== "string") {
      return invalid(400, `Invalid 'messages[${i}]': each message needs a string 'role'.`, "invalid_type", `messages[${i}]`);
    }
  }
  const model = b.model;
  if (!models.has(model) && !models.has(baseModelId(model))) {
    return invalid(404, `The model \`${model}\` does not exist or you do not have access to it.`, "model_not_found", null);
  }
  if (!isChatModel(model)) {
    return invalid(404, "This is not a chat model and thus not supported in the v1/chat/completions endpoint.", null, "model");
  }
  if (isReasoningModel(model)) {
    if (b.max_tokens !== undefined && b.max_tokens !== null) {
      return invalid(400, "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", "unsupported_parameter", "max_tokens");
    }
    if (b.temperature !== undefined && b.temperature !== null && b.temperature !== 1) {
      return invalid(
        400,
        `Unsupported value: 'temperature' does not support ${JSON.stringify(b.temperature)} with this model. Only the default (1) value is supported.`,
        "unsupported_value",
        "temperature",
      );
    }
  }
  if (b.stream !== undefined && b.stream !== null && typeof b.stream !== "boolean") {
    return invalid(400, "Invalid type for 'stream': expected a boolean.", "invalid_type", "stream");
  }
  if (b.tools !== undefined && b.tools !== null && !Array.isArray(b.tools)) {
    return invalid(400, "Invalid type for 'tools': expected an array.", "invalid_type", "tools");
  }
  const choice = b.tool_choice as { type?: unknown; function?: { name?: unknown } } | undefined;
  if (choice && typeof choice === "object" && choice.type === "function") {
    const names = ((b.tools as { function?: { name?: unknown } }[] | undefined) ?? []).map((t) => t?.function?.name);
    if (!names.includes(choice.function?.name)) {
      return invalid(400, `Invalid value for 'tool_choice': no function named '${String(choice.function?.name)}' was offered in 'tools'.`, "invalid_value", "tool_choice");
    }
  }
  const format = b.response_format as { type?: unknown } | undefined;
  if (format && typeof format === "object" && format.type === "json_object") {
    const mentionsJson = b.messages.some((m) => /json/i.test(messageText(m as { content?: unknown })));
    if (!mentionsJson) {
      return invalid(400, "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.", null, "messages");
    }
  }
  return { ok: true, request: b as unknown as Extract<ValidationResult, { ok: true }>["request"] };
}
