/**
 * Tools and tool choice -> gateway (OpenAI chat completions) format. Pure functions.
 */
import type { BindToolsInput } from "@langchain/core/language_models/chat_models";
import { convertToOpenAITool, isLangChainTool } from "@langchain/core/utils/function_calling";
import { toJsonSchema } from "@langchain/core/utils/json_schema";
import { isInteropZodSchema } from "@langchain/core/utils/types";
import type { ChatCompletionTool, ChatCompletionToolChoiceOption } from "../../gateway/wire.js";
import { ChatAIGatewayInputError } from "../errors.js";

/** A function tool on the wire. */
export type WireFunctionTool = Extract<ChatCompletionTool, { type: "function" }>;

/** What `tool_choice` accepts: LangChain's "any", a tool name, or a wire choice. */
export type ToolChoiceInput = ChatCompletionToolChoiceOption | "any" | string | { name: string } | Record<string, unknown>;

/** Whether `tool` is already an OpenAI-format function tool (`{type:"function", function:{name,...}}`). */
export function isWireFunctionTool(tool: unknown): tool is WireFunctionTool {
  if (typeof tool !== "object" || tool === null) return false;
  const t = tool as { type?: unknown; function?: { name?: unknown } };
  return t.type === "function" && typeof t.function === "object" && t.function !== null && typeof t.function.name === "string";
}

function withStrict(tool: WireFunctionTool, strict: boolean | undefined): WireFunctionTool {
  if (strict === undefined || tool.function.strict === strict) return tool;
  // Copied, so binding the same definition twice with different `strict` is safe.
  return { ...tool, function: { ...tool.function, strict } };
}

/**
 * Any tool-like input -> wire function tool:
 * - LangChain tools (`tool()`, StructuredTool, RunnableToolLike, `{name, description, schema}`
 *   with a zod or JSON schema) through `convertToOpenAITool`;
 * - OpenAI-format tools as they are;
 * - a bare function definition `{name, description?, parameters}`;
 * - a zod schema or JSON schema carrying a name (`title`, or zod `.meta({ title })`).
 * `strict`, when given, is set on the function definition.
 */
export function convertToolToWireTool(tool: BindToolsInput, options: { strict?: boolean } = {}): ChatCompletionTool {
  const { strict } = options;
  if (isWireFunctionTool(tool)) return withStrict(tool, strict);
  if (isLangChainTool(tool)) return withStrict(convertToOpenAITool(tool) as WireFunctionTool, strict);
  const record = tool as Record<string, unknown>;
  if (typeof record.name === "string" && typeof record.parameters === "object" && record.parameters !== null) {
    const fn = { name: record.name, parameters: record.parameters as Record<string, unknown> } as WireFunctionTool["function"];
    if (typeof record.description === "string") fn.description = record.description;
    return withStrict({ type: "function", function: fn }, strict);
  }
  if (isInteropZodSchema(tool) || (typeof record.type === "string" && record.type === "object")) {
    const schema = toJsonSchema(tool as Parameters<typeof toJsonSchema>[0]) as Record<string, unknown>;
    const name = typeof schema.title === "string" ? schema.title : undefined;
    if (!name) {
      throw new ChatAIGatewayInputError("ChatAIGateway.bindTools: a schema used as a tool needs a name: give it a `title` or pass { name, description, schema }.");
    }
    const { title: _title, description, ...parameters } = schema;
    const fn: WireFunctionTool["function"] = { name, parameters };
    if (typeof description === "string") fn.description = description;
    return withStrict({ type: "function", function: fn }, strict);
  }
  if (typeof record.type === "string") {
    // Another kind of tool (e.g. "custom"): the gateway decides whether it knows it.
    return tool as unknown as ChatCompletionTool;
  }
  throw new ChatAIGatewayInputError("ChatAIGateway.bindTools: unsupported tool; pass a LangChain tool, an OpenAI tool or { name, description, schema }.");
}

/** A list of tools -> wire tools (see `convertToolToWireTool`). */
export function convertToolsToWireTools(tools: readonly BindToolsInput[], options: { strict?: boolean } = {}): ChatCompletionTool[] {
  return tools.map((t) => convertToolToWireTool(t, options));
}

/**
 * LangChain tool choice -> wire `tool_choice`: "auto" | "none" | "required" pass through,
 * "any" means "required", any other string names a tool, `{ name }` is a tool too.
 */
export function convertToolChoiceToWireToolChoice(choice: ToolChoiceInput | undefined): ChatCompletionToolChoiceOption | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (typeof choice === "string") {
    if (choice === "auto" || choice === "none" || choice === "required") return choice;
    if (choice === "any") return "required";
    return { type: "function", function: { name: choice } };
  }
  const c = choice as { type?: unknown; name?: unknown; function?: unknown };
  if (c.type === undefined && typeof c.name === "string") return { type: "function", function: { name: c.name } };
  return choice as ChatCompletionToolChoiceOption;
}

