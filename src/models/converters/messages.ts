/**
 * LangChain messages -> gateway (OpenAI chat completions) messages. Small pure functions:
 * no I/O, no model state; the only model-dependent input is the role system messages take.
 */
import type { BaseMessage, MessageContent } from "@langchain/core/messages";
import type { ChatCompletionMessageParam, ChatCompletionMessageToolCall } from "../../gateway/wire.js";
import { convertAudioBlockToAudioPart } from "./audio.js";
import { ChatAIGatewayInputError } from "../errors.js";

/** A wire message of one role. */
type WireMessage<R extends ChatCompletionMessageParam["role"]> = Extract<ChatCompletionMessageParam, { role: R }>;
/** A part of a user message's content (text, image_url, input_audio, file). */
export type WireUserContentPart = Exclude<WireMessage<"user">["content"], string>[number];
/** A text part, the only kind system, developer and tool messages take. */
export type WireTextPart = Extract<WireUserContentPart, { type: "text" }>;

/** Options of the message converters. */
export interface ConvertMessagesOptions {
  /**
   * Role for LangChain system messages: "developer" for reasoning models, "system" otherwise
   * (see model_family.ts). A message explicitly marked as developer stays developer.
   */
  systemRole?: "system" | "developer";
}

/** A content block as LangChain hands it over: a loosely typed record. */
type Block = Record<string, unknown> & { type?: unknown };

// Blocks that describe the model's own output (tool calls, reasoning): never sent back as content.
const NON_CONTENT_BLOCKS = new Set(["tool_use", "tool_call", "tool_call_chunk", "invalid_tool_call", "reasoning", "reasoning_content", "thinking", "redacted_thinking"]);

const str = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined);

/** `data:` URL from base64 data (string or bytes) and a MIME type. */
function toDataUrl(data: unknown, mimeType: string | undefined): string {
  const b64 = typeof data === "string" ? data : Buffer.from(data as Uint8Array).toString("base64");
  return `data:${mimeType ?? "application/octet-stream"};base64,${b64}`;
}

/**
 * An image block -> `image_url` part. Accepts LangChain v1 standard blocks
 * (`{type:"image", url}` / `{type:"image", data, mimeType}`), the older data blocks
 * (`source_type: "url" | "base64"`, `mime_type`) and OpenAI's own `{type:"image_url"}`.
 */
export function convertImageBlockToImagePart(block: Block): WireUserContentPart {
  const detail = (block.detail ?? (block.metadata as Block | undefined)?.detail) as "auto" | "low" | "high" | undefined;
  const withDetail = (url: string): WireUserContentPart => ({ type: "image_url", image_url: detail ? { url, detail } : { url } });
  if (block.type === "image_url") {
    const iu = block.image_url as string | { url: string; detail?: "auto" | "low" | "high" };
    return typeof iu === "string" ? withDetail(iu) : { type: "image_url", image_url: { ...iu } };
  }
  const url = str(block.url);
  if (url) return withDetail(url);
  if (block.data !== undefined && block.data !== null && block.data !== "") {
    return withDetail(toDataUrl(block.data, str(block.mimeType) ?? str(block.mime_type)));
  }
  throw new ChatAIGatewayInputError(
    "ChatAIGateway: an image block needs `url` or `data` (+ `mimeType`); file ids are not supported by chat completions.",
  );
}

/** A file block (v1 `{type:"file", data|fileId|url}`) -> `file` part. */
function convertFileBlockToFilePart(block: Block): WireUserContentPart {
  const meta = (block.metadata ?? {}) as Block;
  const filename = str(meta.filename) ?? str(meta.name) ?? str(block.filename);
  const fileId = str(block.fileId) ?? str(block.file_id) ?? (block.source_type === "id" ? str(block.id) : undefined);
  if (fileId) return { type: "file", file: { file_id: fileId } };
  const dataUrl = str(block.url)?.startsWith("data:") ? (block.url as string) : block.data ? toDataUrl(block.data, str(block.mimeType) ?? str(block.mime_type)) : undefined;
  if (!dataUrl) throw new ChatAIGatewayInputError("ChatAIGateway: a file block needs `data`, a data: `url` or a `fileId`.");
  return { type: "file", file: filename ? { file_data: dataUrl, filename } : { file_data: dataUrl } };
}

/** One content block of a user message -> wire part; undefined for blocks that carry no input. */
export function convertContentBlockToWirePart(block: string | Block): WireUserContentPart | undefined {
  if (typeof block === "string") return { type: "text", text: block };
  const type = block.type;
  if (type === "text") return { type: "text", text: String(block.text ?? "") };
  if (type === "image" || type === "image_url") return convertImageBlockToImagePart(block);
  if (type === "audio" || type === "input_audio") return convertAudioBlockToAudioPart(block);
  if (type === "file") {
    // An older "file" block with plain text content is just text.
    if (block.source_type === "text" && typeof block.text === "string") return { type: "text", text: block.text };
    return convertFileBlockToFilePart(block);
  }
  if (type === "text-plain" && typeof block.text === "string") return { type: "text", text: block.text };
  if (typeof type === "string" && NON_CONTENT_BLOCKS.has(type)) return undefined;
  // Anything else is passed through: gateways may accept parts this version does not know.
  return block as unknown as WireUserContentPart;
}

/** User content -> wire content: a string stays a string (the common, cheapest case). */
export function convertContentToUserContent(content: MessageContent): string | WireUserContentPart[] {
  if (typeof content === "string") return content;
  const parts: WireUserContentPart[] = [];
  for (const block of content as (string | Block)[]) {
    const part = convertContentBlockToWirePart(block);
    if (part) parts.push(part);
  }
  return parts;
}

/**
 * Content of a system, developer, assistant or tool message -> a string or text parts. Only
 * text can go there: output-only blocks (tool calls, reasoning) are dropped, and any other
 * block is sent as its JSON so that a tool's structured result still reaches the model.
 */
export function convertContentToTextContent(content: MessageContent): string | WireTextPart[] {
  if (typeof content === "string") return content;
  const parts: WireTextPart[] = [];
  for (const block of content as (string | Block)[]) {
    if (typeof block === "string") parts.push({ type: "text", text: block });
    else if (block.type === "text" || block.type === "text-plain") parts.push({ type: "text", text: String(block.text ?? "") });
    else if (typeof block.type === "string" && NON_CONTENT_BLOCKS.has(block.type)) continue;
    else if (block.type === "image" || block.type === "image_url" || block.type === "audio" || block.type === "file") {
      // Binary data cannot be put in a text-only message; a marker keeps the turn readable.
      parts.push({ type: "text", text: `[${block.type} omitted]` });
    } else parts.push({ type: "text", text: JSON.stringify(block) });
  }
  return parts;
}

/** A LangChain tool call -> wire tool call, arguments JSON-stringified. */
export function convertToolCallToWireToolCall(call: { id?: string; name: string; args: unknown }): ChatCompletionMessageToolCall {
  if (!call.id) throw new ChatAIGatewayInputError(`ChatAIGateway: tool call "${call.name}" has no id; the gateway needs one to match the tool result.`);
  return { id: call.id, type: "function", function: { name: call.name, arguments: JSON.stringify(call.args ?? {}) } };
}

/** An AI message -> assistant wire message with its (valid and invalid) tool calls. */
export function convertAIMessageToWireMessage(message: BaseMessage): WireMessage<"assistant"> {
  const ai = message as BaseMessage & {
    tool_calls?: { id?: string; name: string; args: unknown }[];
    invalid_tool_calls?: { id?: string; name?: string; args?: string }[];
  };
  const toolCalls: ChatCompletionMessageToolCall[] = [];
  for (const call of ai.tool_calls ?? []) toolCalls.push(convertToolCallToWireToolCall(call));
  // Invalid calls are what the model really produced; their ids may be answered by tool messages.
  for (const call of ai.invalid_tool_calls ?? []) {
    if (call.id && call.name) toolCalls.push({ id: call.id, type: "function", function: { name: call.name, arguments: call.args ?? "" } });
  }
  if (toolCalls.length === 0 && Array.isArray(message.additional_kwargs?.tool_calls)) {
    toolCalls.push(...(message.additional_kwargs.tool_calls as ChatCompletionMessageToolCall[]));
  }
  const text = convertContentToTextContent(message.content);
  const empty = text === "" || (Array.isArray(text) && text.length === 0);
  const out: WireMessage<"assistant"> = {
    role: "assistant",
    // The API wants no content (null) beside tool calls rather than an empty string.
    content: empty && toolCalls.length > 0 ? null : (text as string | WireTextPart[]),
  };
  if (toolCalls.length > 0) out.tool_calls = toolCalls;
  if (message.name) out.name = message.name;
  return out;
}

/** Role of a generic ChatMessage -> wire role ("human"/"ai" are accepted as aliases). */
function genericRole(role: string): ChatCompletionMessageParam["role"] {
  switch (role) {
    case "human":
    case "user":
      return "user";
    case "ai":
    case "assistant":
      return "assistant";
    case "system":
    case "developer":
    case "tool":
    case "function":
      return role;
    default:
      throw new ChatAIGatewayInputError(`ChatAIGateway: unknown message role "${role}"; use user, assistant, system, developer or tool.`);
  }
}

/** One LangChain message -> one wire message. */
export function convertMessageToWireMessage(message: BaseMessage, options: ConvertMessagesOptions = {}): ChatCompletionMessageParam {
  const type = message.type;
  switch (type) {
    case "human":
      return withName({ role: "user", content: convertContentToUserContent(message.content) }, message);
    case "ai":
      return convertAIMessageToWireMessage(message);
    case "system": {
      const explicitDeveloper = message.additional_kwargs?.__openai_role__ === "developer";
      const role = explicitDeveloper ? "developer" : (options.systemRole ?? "system");
      return withName({ role, content: convertContentToTextContent(message.content) }, message);
    }
    case "tool": {
      const toolCallId = (message as BaseMessage & { tool_call_id?: string }).tool_call_id;
      if (!toolCallId) throw new ChatAIGatewayInputError("ChatAIGateway: a ToolMessage needs tool_call_id.");
      return { role: "tool", tool_call_id: toolCallId, content: convertContentToTextContent(message.content) };
    }
    case "function": {
      const content = convertContentToTextContent(message.content);
      return { role: "function", name: message.name ?? "", content: typeof content === "string" ? content : content.map((p) => p.text).join("") };
    }
    case "generic": {
      const role = genericRole((message as BaseMessage & { role: string }).role);
      if (role === "assistant") return convertAIMessageToWireMessage(message);
      if (role === "user") return withName({ role, content: convertContentToUserContent(message.content) }, message);
      if (role === "system" || role === "developer") {
        const r = role === "system" ? (options.systemRole ?? "system") : "developer";
        return withName({ role: r, content: convertContentToTextContent(message.content) }, message);
      }
      throw new ChatAIGatewayInputError(`ChatAIGateway: a ChatMessage with role "${role}" cannot be sent; use ToolMessage for tool results.`);
    }
    default:
      throw new ChatAIGatewayInputError(`ChatAIGateway: cannot send a message of type "${type}".`);
  }
}

function withName(out: WireMessage<"user" | "system" | "developer">, message: BaseMessage): ChatCompletionMessageParam {
  if (message.name) out.name = message.name;
  return out;
}

/** A conversation -> wire messages, one for one. */
export function convertMessagesToWireMessages(messages: readonly BaseMessage[], options: ConvertMessagesOptions = {}): ChatCompletionMessageParam[] {
  const out = new Array<ChatCompletionMessageParam>(messages.length);
  for (let i = 0; i < messages.length; i++) out[i] = convertMessageToWireMessage(messages[i], options);
  return out;
}
