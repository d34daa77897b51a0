/**
 * The deterministic simulated model: from a chat request to content or tool calls plus usage.
 * Pure functions only, so the whole behaviour is unit-testable without HTTP. Every text answer
 * says it is simulated: a simulated model must never pass for a real one.
 */
import type { ChatCompletionMessageParam, ChatCompletionRequest, CompletionUsage } from "../gateway/wire.js";
import { valueFromSchema } from "./schema_values.js";
import { countTokens, fnv1aHex, lastUserText, messageText, tokenize, truncateWords } from "./text.js";
import { selectToolCalls } from "./tool_matching.js";
import type { ScriptedResponse } from "./types.js";

/** The request fields the simulated model looks at. */
export type SimulationRequest = Pick<ChatCompletionRequest, "model" | "messages"> &
  Partial<Pick<ChatCompletionRequest, "tools" | "tool_choice" | "parallel_tool_calls" | "response_format" | "max_tokens" | "max_completion_tokens">>;

/** Per-request knobs set through `x-emulator-*` headers. */
export interface SimulationOptions {
  /** Make the plain answer exactly this many simulated tokens long. */
  answerTokens?: number;
  /** Put multi-byte characters in the plain answer (for split-UTF-8 stream tests). */
  multibyte?: boolean;
}

/** One tool call the model decided to make. */
export interface SimulatedToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** The model's answer, independent of JSON vs SSE framing. */
export interface SimulatedCompletion {
  content: string | null;
  toolCalls: SimulatedToolCall[];
  finishReason: "stop" | "length" | "tool_calls";
  usage: CompletionUsage;
}

/** Text appended in multi-byte mode: 2-, 3- and 4-byte UTF-8 sequences. */
export const MULTIBYTE_SAMPLE = "héllo wörld — ✓ 日本 🎉";

const ECHO_WORDS = 40;
// Overhead per message, like the real tokenizer's role/separator tokens.
const TOKENS_PER_MESSAGE = 4;

/** Simulated prompt size: tokens of every message's text plus a constant per message. */
export function promptTokenCount(messages: readonly ChatCompletionMessageParam[]): number {
  let total = 0;
  for (const m of messages) total += countTokens(messageText(m)) + TOKENS_PER_MESSAGE;
  return total;
}

/** Usage object in the real API's shape (details always present, zero unless given). */
export function buildUsage(prompt: number, completion: number, cached = 0, reasoning = 0): CompletionUsage {
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cached },
    completion_tokens_details: { reasoning_tokens: reasoning },
  };
}

/** Simulated completion tokens of an answer: text tokens plus about 4 characters per argument token. */
export function completionTokenCount(content: string | null, toolCalls: readonly SimulatedToolCall[]): number {
  let total = content ? countTokens(content) : 0;
  for (const call of toolCalls) total += Math.max(1, Math.ceil(call.arguments.length / 4));
  return total;
}

/** Deterministic tool call id: stable across runs for the same call. */
export function toolCallId(index: number, name: string, args: string): string {
  return `call_${index}_${fnv1aHex(`${name}\u0000${args}`)}`;
}

/** The plain answer for a prompt: a labelled echo, or exactly `answerTokens` tokens. */
export function plainAnswer(model: string, userText: string, options: SimulationOptions = {}): string {
  if (options.answerTokens !== undefined) return generatedTokens(Math.max(1, Math.floor(options.answerTokens)), options.multibyte === true);
  const echo = truncateWords(userText, ECHO_WORDS) || "(no user message)";
  const label = options.multibyte ? ` (${MULTIBYTE_SAMPLE})` : "";
  return `Simulated answer from ${model}${label}: ${echo}`;
}

const MULTIBYTE_WORDS = MULTIBYTE_SAMPLE.split(" ");

function generatedTokens(n: number, multibyte: boolean): string {
  const words = ["Simulated"];
  for (let i = 1; i < n; i++) words.push(multibyte ? MULTIBYTE_WORDS[i % MULTIBYTE_WORDS.length] : `token${i + 1}`);
  return words.join(" ");
}

/** The answer after tool results: every trailing tool result quoted verbatim, labelled by tool name. */
export function answerFromToolResults(model: string, messages: readonly ChatCompletionMessageParam[]): string {
  const names = new Map<string, string>();
  for (const m of messages) {
    if (m.role !== "assistant" || !m.tool_calls) continue;
    for (const call of m.tool_calls) if (call.type === "function") names.set(call.id, call.function.name);
  }
  const results: string[] = [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m.role !== "tool") break;
    results.unshift(`${names.get(m.tool_call_id) ?? m.tool_call_id}: ${messageText(m)}`);
  }
  return `Simulated answer from ${model} using tool results: ${results.join("; ")}`;
}

/** Finds the first JSON-schema-looking object (`properties` or `type: "object"`) inside a text. */
export function findJsonSchemaInText(text: string): Record<string, unknown> | undefined {
  for (let start = text.indexOf("{"); start >= 0; start = text.indexOf("{", start + 1)) {
    const end = matchingBrace(text, start);
    if (end < 0) continue;
    try {
      const parsed: unknown = JSON.parse(text.slice(start, end + 1));
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
        const obj = parsed as Record<string, unknown>;
        if (typeof obj.properties === "object" || obj.type === "object") return obj;
      }
    } catch {
      // Not JSON at this brace: keep scanning.
    }
  }
  return undefined;
}

/** Index of the brace closing the one at `start`, skipping braces inside JSON strings; -1 if none. */
function matchingBrace(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return i;
  }
  return -1;
}

function structuredContent(request: SimulationRequest, userText: string): string | undefined {
  const format = request.response_format;
  if (!format || format.type === "text") return undefined;
  if (format.type === "json_schema" && format.json_schema?.schema) {
    return JSON.stringify(valueFromSchema(format.json_schema.schema, { userText }));
  }
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const schema = findJsonSchemaInText(messageText(request.messages[i]));
    if (schema) return JSON.stringify(valueFromSchema(schema, { userText }));
  }
  return JSON.stringify({ answer: plainAnswer(request.model, userText) });
}

/** The system and developer messages' text, one message per line. */
function systemText(messages: readonly ChatCompletionMessageParam[]): string {
  return messages
    .filter((m) => m.role === "system" || m.role === "developer")
    .map((m) => messageText(m))
    .join("\n");
}

function isForcedToolChoice(request: SimulationRequest): boolean {
  const choice = request.tool_choice;
  return choice === "required" || (typeof choice === "object" && choice !== null && choice.type === "function");
}

/** Cuts a text answer to the request's token limit, as the real API does (finish_reason "length"). */
function applyTokenLimit(request: SimulationRequest, content: string): { content: string; truncated: boolean } {
  const limit = request.max_completion_tokens ?? request.max_tokens;
  if (typeof limit !== "number" || limit <= 0) return { content, truncated: false };
  const tokens = tokenize(content);
  if (tokens.length <= limit) return { content, truncated: false };
  return { content: tokens.slice(0, limit).join("").trimEnd(), truncated: true };
}

/**
 * The simulated model. Order of precedence: forced tool choice, tool results (answer with
 * them, so agent loops terminate), tools the system text orders or the user's text matches,
 * structured output, plain answer. Tool arguments are read from the user's text where it has them.
 */
export function simulateCompletion(request: SimulationRequest, options: SimulationOptions = {}): SimulatedCompletion {
  const messages = request.messages;
  const userText = lastUserText(messages);
  const prompt = promptTokenCount(messages);
  const last = messages[messages.length - 1];
  const afterTools = last?.role === "tool";

  if (!afterTools || isForcedToolChoice(request)) {
    const tools = selectToolCalls({
      tools: request.tools,
      toolChoice: request.tool_choice,
      parallelToolCalls: request.parallel_tool_calls,
      userText,
      systemText: systemText(messages),
    });
    if (tools.length > 0) {
      const toolCalls = tools.map((tool, index) => {
        const args = JSON.stringify(valueFromSchema(tool.parameters, { userText, fromPrompt: true }));
        return { id: toolCallId(index, tool.name, args), name: tool.name, arguments: args };
      });
      return { content: null, toolCalls, finishReason: "tool_calls", usage: buildUsage(prompt, completionTokenCount(null, toolCalls)) };
    }
  }

  const structured = afterTools ? undefined : structuredContent(request, userText);
  if (structured !== undefined) {
    return { content: structured, toolCalls: [], finishReason: "stop", usage: buildUsage(prompt, countTokens(structured)) };
  }
  const text = afterTools ? answerFromToolResults(request.model, messages) : plainAnswer(request.model, userText, options);
  const { content, truncated } = applyTokenLimit(request, text);
  return { content, toolCalls: [], finishReason: truncated ? "length" : "stop", usage: buildUsage(prompt, countTokens(content)) };
}

/** A scripted response as a completion: missing ids, finish reason and usage are filled in. */
export function scriptedCompletion(script: ScriptedResponse, request: Pick<SimulationRequest, "messages">): SimulatedCompletion {
  const toolCalls = (script.toolCalls ?? []).map((call, index) => ({
    id: call.id ?? toolCallId(index, call.name, call.arguments),
    name: call.name,
    arguments: call.arguments,
  }));
  const content = script.content ?? (toolCalls.length > 0 ? null : "");
  const finishReason = script.finishReason ?? (toolCalls.length > 0 ? "tool_calls" : "stop");
  const usage = script.usage
    ? buildUsage(script.usage.prompt_tokens, script.usage.completion_tokens, script.usage.cached_tokens, script.usage.reasoning_tokens)
    : buildUsage(promptTokenCount(request.messages), completionTokenCount(content, toolCalls));
  return { content, toolCalls, finishReason, usage };
}
