/**
 * Request parameters of one call: the model's settings plus the call options, filtered through
 * the model-family rules. Pure, so every rule is unit-testable without a gateway.
 */
import type { LangSmithParams } from "@langchain/core/language_models/chat_models";
import { toJsonSchema } from "@langchain/core/utils/json_schema";
import { isInteropZodSchema } from "@langchain/core/utils/types";
import type { ChatCompletionRequest, ChatCompletionTool } from "../../gateway/wire.js";
import { convertToolChoiceToWireToolChoice, convertToolToWireTool, isWireFunctionTool } from "../converters/tools.js";
import { getModelFamily, type ModelFamily } from "../model_family.js";
import type { ChatAIGatewayCallOptions, ReasoningEffort, ResponseFormat } from "./types.js";

/** The request body without `messages`. */
export type RequestParams = Omit<ChatCompletionRequest, "messages">;

/** Model-level settings the parameters are built from. */
export interface ModelSettings {
  model: string;
  temperature?: number;
  maxTokens?: number;
  reasoningEffort?: ReasoningEffort;
  stopSequences?: string[];
  modelKwargs?: Record<string, unknown>;
}

/** A setting the model family does not accept, left out of the request. */
export interface DroppedParam {
  param: "temperature" | "reasoning_effort";
  value: unknown;
  reason: string;
}

/** Call options the parameters depend on. */
export type ParamsCallOptions = Pick<
  ChatAIGatewayCallOptions,
  "stop" | "tools" | "tool_choice" | "parallel_tool_calls" | "strict" | "response_format" | "reasoningEffort"
>;

function wireTools(tools: NonNullable<ParamsCallOptions["tools"]>, strict: boolean | undefined): ChatCompletionTool[] {
  // bindTools already converted its tools; only tools passed as raw call options need work.
  let converted: ChatCompletionTool[] | undefined;
  for (let i = 0; i < tools.length; i++) {
    const t = tools[i];
    const ok = isWireFunctionTool(t) && (strict === undefined || t.function.strict === strict);
    if (!ok && !converted) converted = tools.slice(0, i) as ChatCompletionTool[];
    if (converted) converted.push(ok ? (t as ChatCompletionTool) : convertToolToWireTool(t, { strict }));
  }
  return converted ?? (tools as ChatCompletionTool[]);
}

/** A json_schema response format whose schema is still a zod schema (createAgent passes those) -> JSON schema. */
function convertResponseFormat(format: ResponseFormat): ResponseFormat {
  if (format.type !== "json_schema" || !isInteropZodSchema(format.json_schema?.schema)) return format;
  const schema = toJsonSchema(format.json_schema.schema as Parameters<typeof toJsonSchema>[0]) as Record<string, unknown>;
  return { ...format, json_schema: { ...format.json_schema, schema } };
}

/**
 * Builds the request parameters. Rules (see model_family.ts):
 * - the token limit is always sent as `max_completion_tokens`: OpenAI deprecated `max_tokens`
 *   for every chat model and reasoning models reject it, so one name is right for all ids,
 *   prefixed or not, and a model we misclassify cannot get a 400 for it;
 * - a temperature is dropped for models that only accept the default (1);
 * - `reasoning_effort` is dropped for models that do not reason.
 * Dropped settings are returned so the caller can log them once per request.
 */
export function buildRequestParams(
  settings: ModelSettings,
  options: ParamsCallOptions | undefined,
  family: ModelFamily = getModelFamily(settings.model),
): { params: RequestParams; dropped: DroppedParam[] | undefined } {
  const params: RequestParams = { model: settings.model };
  let dropped: DroppedParam[] | undefined;
  if (settings.modelKwargs) Object.assign(params, settings.modelKwargs);

  const temperature = settings.temperature;
  if (temperature !== undefined) {
    if (family.acceptsTemperature || temperature === 1) params.temperature = temperature;
    else (dropped ??= []).push({ param: "temperature", value: temperature, reason: `${settings.model} only accepts the default temperature (1)` });
  }
  if (settings.maxTokens !== undefined && settings.maxTokens >= 0) params.max_completion_tokens = settings.maxTokens;

  const effort = options?.reasoningEffort ?? settings.reasoningEffort;
  if (effort !== undefined) {
    if (family.acceptsReasoningEffort) params.reasoning_effort = effort;
    else (dropped ??= []).push({ param: "reasoning_effort", value: effort, reason: `${settings.model} is not a reasoning model` });
  }

  const stop = options?.stop ?? settings.stopSequences;
  if (stop !== undefined && stop.length > 0) params.stop = stop;

  if (options) {
    if (options.tools !== undefined && options.tools.length > 0) {
      params.tools = wireTools(options.tools, options.strict);
      const choice = convertToolChoiceToWireToolChoice(options.tool_choice);
      if (choice !== undefined) params.tool_choice = choice;
      if (options.parallel_tool_calls !== undefined) params.parallel_tool_calls = options.parallel_tool_calls;
    }
    if (options.response_format !== undefined) params.response_format = convertResponseFormat(options.response_format);
  }
  return { params, dropped };
}

/** LangSmith's `ls_*` parameters of a call, from the parameters actually sent. */
export function buildLsParams(params: RequestParams): LangSmithParams {
  const stop = params.stop;
  return {
    ls_provider: "ai_gateway",
    ls_model_name: params.model,
    ls_model_type: "chat",
    ls_temperature: params.temperature ?? undefined,
    // Reported even though it travels as max_completion_tokens.
    ls_max_tokens: params.max_completion_tokens ?? params.max_tokens ?? undefined,
    ls_stop: typeof stop === "string" ? [stop] : (stop ?? undefined),
  };
}
