/**
 * Span attributes of model and tool calls after the OpenTelemetry GenAI semantic conventions
 * (gen_ai.*), read from what LangChain hands its callbacks. Message text goes in only when
 * content capture is on (OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT); every string is
 * scrubbed of registered secrets.
 */
import type { BaseMessage } from "@langchain/core/messages";
import type { LLMResult } from "@langchain/core/outputs";
import type { Attributes } from "@opentelemetry/api";
import { scrubText } from "../logging/index.js";

/** Longest captured text per attribute; the rest is cut off (exporters and backends cap attributes too). */
const MAX_CAPTURED_CHARS = 16_000;

type Meta = Record<string, unknown> | undefined;

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** Captured text, scrubbed and capped. */
export function capturedText(text: string): string {
  const clean = scrubText(text);
  return clean.length > MAX_CAPTURED_CHARS ? `${clean.slice(0, MAX_CAPTURED_CHARS)}…` : clean;
}

/** Attributes of a chat call's request: operation, provider, model and sampling settings (no text). */
export function chatRequestAttributes(metadata: Meta, extraParams: Meta): Attributes {
  const params = (extraParams?.invocation_params ?? {}) as Record<string, unknown>;
  const attributes: Attributes = { "gen_ai.operation.name": "chat" };
  const provider = str(metadata?.ls_provider);
  if (provider) Object.assign(attributes, providerAttributes(provider));
  const model = str(params.model) ?? str(metadata?.ls_model_name);
  if (model) attributes["gen_ai.request.model"] = model;
  const temperature = num(params.temperature) ?? num(metadata?.ls_temperature);
  if (temperature !== undefined) attributes["gen_ai.request.temperature"] = temperature;
  const maxTokens = num(params.max_completion_tokens) ?? num(params.max_tokens) ?? num(metadata?.ls_max_tokens);
  if (maxTokens !== undefined) attributes["gen_ai.request.max_tokens"] = maxTokens;
  return attributes;
}

/** Both names the conventions have used for the provider: gen_ai.provider.name (current) and gen_ai.system (older backends). */
export function providerAttributes(provider: string): Attributes {
  return { "gen_ai.provider.name": provider, "gen_ai.system": provider };
}

/** The first message of an LLM result (the answer), if any. */
export function resultMessage(output: LLMResult): BaseMessage | undefined {
  const first = output.generations?.[0]?.[0] as { message?: BaseMessage } | undefined;
  return first?.message;
}

/** Attributes of a chat call's response: model, provider, id, finish reasons, token usage and the gateway's request id. */
export function chatResponseAttributes(output: LLMResult): Attributes {
  const attributes: Attributes = {};
  const message = resultMessage(output);
  Object.assign(attributes, messageResponseAttributes(message));
  const reasons: string[] = [];
  for (const list of output.generations ?? []) {
    for (const g of list) {
      const meta = (g as { message?: BaseMessage }).message?.response_metadata as Record<string, unknown> | undefined;
      const reason = str(g.generationInfo?.finish_reason) ?? str(meta?.finish_reason);
      if (reason) reasons.push(reason);
    }
  }
  if (reasons.length > 0) attributes["gen_ai.response.finish_reasons"] = reasons;
  if (attributes["gen_ai.usage.input_tokens"] === undefined) {
    const usage = output.llmOutput?.tokenUsage as { promptTokens?: unknown; completionTokens?: unknown } | undefined;
    const input = num(usage?.promptTokens);
    const outputTokens = num(usage?.completionTokens);
    if (input !== undefined) attributes["gen_ai.usage.input_tokens"] = input;
    if (outputTokens !== undefined) attributes["gen_ai.usage.output_tokens"] = outputTokens;
  }
  return attributes;
}

/** Response attributes read off one answer message (also used for a structured-output call's raw message). */
export function messageResponseAttributes(message: BaseMessage | undefined): Attributes {
  const attributes: Attributes = {};
  if (!message) return attributes;
  const meta = (message.response_metadata ?? {}) as Record<string, unknown>;
  const model = str(meta.model_name) ?? str(meta.model);
  if (model) attributes["gen_ai.response.model"] = model;
  const provider = str(meta.provider);
  if (provider) Object.assign(attributes, providerAttributes(provider));
  const requestId = str(meta.request_id);
  if (requestId) attributes["ai_gateway.request_id"] = requestId;
  const id = str(message.id);
  if (id && !id.startsWith("run-")) attributes["gen_ai.response.id"] = id;
  const finish = str(meta.finish_reason);
  if (finish) attributes["gen_ai.response.finish_reasons"] = [finish];
  if (meta.simulated === true) attributes["ai_gateway.simulated"] = true;
  const fallbackFrom = meta.fallback_from;
  if (Array.isArray(fallbackFrom) && fallbackFrom.length > 0) attributes["fallback.from"] = fallbackFrom.map(String);
  const usage = (message as { usage_metadata?: { input_tokens?: unknown; output_tokens?: unknown } }).usage_metadata;
  const input = num(usage?.input_tokens);
  const output = num(usage?.output_tokens);
  if (input !== undefined) attributes["gen_ai.usage.input_tokens"] = input;
  if (output !== undefined) attributes["gen_ai.usage.output_tokens"] = output;
  return attributes;
}

const ROLES: Record<string, string> = { human: "user", ai: "assistant", system: "system", tool: "tool", developer: "system", generic: "user" };

/** Messages in the conventions' JSON shape (`[{ role, parts: [...] }]`), for gen_ai.input.messages / gen_ai.output.messages. */
export function messagesJson(messages: readonly BaseMessage[], finishReason?: string): string {
  const out = messages.map((m) => {
    const parts: Record<string, unknown>[] = [];
    const text = m.text;
    if (m.getType() === "tool") {
      parts.push({ type: "tool_call_response", id: (m as { tool_call_id?: string }).tool_call_id, response: text });
    } else if (text) {
      parts.push({ type: "text", content: text });
    }
    for (const call of (m as { tool_calls?: { id?: string; name: string; args: unknown }[] }).tool_calls ?? []) {
      parts.push({ type: "tool_call", id: call.id, name: call.name, arguments: call.args });
    }
    return { role: ROLES[m.getType()] ?? m.getType(), parts, ...(finishReason && m.getType() === "ai" ? { finish_reason: finishReason } : {}) };
  });
  return capturedText(JSON.stringify(out));
}
