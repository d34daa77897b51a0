/**
 * `withStructuredOutput` for ChatAIGateway: three ways to ask for a schema (json_schema
 * response format, a forced function call, json_object mode) and one parser per way, with
 * validation by the caller's zod / Standard Schema when there is one.
 */
import type { BaseLanguageModelInput, StructuredOutputMethodOptions } from "@langchain/core/language_models/base";
import type { BaseMessage } from "@langchain/core/messages";
import { OutputParserException } from "@langchain/core/output_parsers";
import { RunnableLambda, RunnableSequence, type Runnable } from "@langchain/core/runnables";
import { toJsonSchema } from "@langchain/core/utils/json_schema";
import { isSerializableSchema } from "@langchain/core/utils/standard_schema";
import { getSchemaDescription, interopSafeParseAsync, isInteropZodSchema, type InteropZodType } from "@langchain/core/utils/types";
import type { ChatCompletionTool } from "../../gateway/wire.js";
import { getModelFamily, type StructuredOutputMethod } from "../model_family.js";
import type { ChatAIGatewayCallOptions } from "./types.js";
import { ChatAIGatewayInputError } from "../errors.js";

/** The schema kinds accepted: zod (v3/v4), Standard Schema with JSON Schema, or a plain JSON schema. */
export type StructuredOutputSchema = InteropZodType | Record<string, unknown>;

/** What the builder needs from the model (kept structural to avoid an import cycle). */
export interface StructuredOutputHost {
  model: string;
  withConfig(config: Partial<ChatAIGatewayCallOptions>): Runnable<BaseLanguageModelInput, BaseMessage>;
}

const METHODS: readonly StructuredOutputMethod[] = ["jsonSchema", "functionCalling", "jsonMode"];

/** The method to use: the caller's, else the family's default (json_schema where supported). */
export function resolveStructuredOutputMethod(model: string, method: string | undefined): StructuredOutputMethod {
  if (method === undefined) return getModelFamily(model).structuredOutputMethod;
  if (!(METHODS as readonly string[]).includes(method)) {
    throw new ChatAIGatewayInputError(`withStructuredOutput: unknown method "${method}"; use ${METHODS.join(", ")}.`);
  }
  return method as StructuredOutputMethod;
}

/** Validates `value` with the schema when it can validate (zod, Standard Schema); plain JSON schemas pass it through. */
async function validate(schema: StructuredOutputSchema, value: unknown, text: string): Promise<unknown> {
  if (isInteropZodSchema(schema)) {
    const result = await interopSafeParseAsync(schema, value);
    if (result.success) return result.data;
    throw new OutputParserException(`The model's output does not match the schema: ${result.error.issues.map((i) => i.message).join("; ")}`, text);
  }
  if (isSerializableSchema(schema)) {
    const result = await schema["~standard"].validate(value);
    if (!result.issues) return result.value;
    throw new OutputParserException(`The model's output does not match the schema: ${result.issues.map((i) => i.message).join("; ")}`, text);
  }
  return value;
}

/** Text of an answer with an optional ```json fence removed. */
function jsonText(message: BaseMessage): string {
  const text = message.text.trim();
  const fenced = /^```(?:json)?\s*([\s\S]*?)\s*```$/i.exec(text);
  return fenced ? fenced[1] : text;
}

/** Parser for json_schema / json_object answers: the content is the JSON. */
function contentParser(schema: StructuredOutputSchema): Runnable<BaseMessage, unknown> {
  return RunnableLambda.from(async (message: BaseMessage) => {
    const text = jsonText(message);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new OutputParserException(`The model did not answer with JSON: ${(err as Error).message}`, text);
    }
    return validate(schema, value, text);
  }).withConfig({ runName: "StructuredOutputParser" });
}

/** Parser for the forced function call: the arguments of the call named `name` are the output. */
function toolCallParser(schema: StructuredOutputSchema, name: string): Runnable<BaseMessage, unknown> {
  return RunnableLambda.from(async (message: BaseMessage) => {
    const ai = message as BaseMessage & { tool_calls?: { name: string; args: unknown }[]; invalid_tool_calls?: { name?: string; args?: string; error?: string }[] };
    const call = ai.tool_calls?.find((c) => c.name === name);
    if (!call) {
      const invalid = ai.invalid_tool_calls?.find((c) => c.name === name);
      const why = invalid ? `its arguments are not valid JSON (${invalid.error ?? "malformed"})` : "the model did not call it";
      throw new OutputParserException(`No usable "${name}" tool call: ${why}.`, invalid?.args ?? message.text);
    }
    return validate(schema, call.args, JSON.stringify(call.args));
  }).withConfig({ runName: "StructuredOutputParser" });
}

/** JSON schema of the output, a name and a description for the request. */
function describe(schema: StructuredOutputSchema, name: string | undefined): { name: string; description?: string; jsonSchema: Record<string, unknown> } {
  const plain = !isInteropZodSchema(schema) && !isSerializableSchema(schema);
  // An OpenAI function definition ({ name, parameters }) is accepted as the schema too.
  if (plain && typeof schema.name === "string" && typeof schema.parameters === "object" && schema.parameters !== null) {
    return {
      name: name ?? schema.name,
      description: typeof schema.description === "string" ? schema.description : undefined,
      jsonSchema: schema.parameters as Record<string, unknown>,
    };
  }
  const jsonSchema = (plain ? schema : toJsonSchema(schema as Parameters<typeof toJsonSchema>[0])) as Record<string, unknown>;
  const title = typeof jsonSchema.title === "string" ? jsonSchema.title : undefined;
  const description = getSchemaDescription(schema as Record<string, unknown>) ?? (typeof jsonSchema.description === "string" ? jsonSchema.description : undefined);
  return { name: name ?? title ?? "extract", description, jsonSchema };
}

/**
 * Builds the structured-output runnable. `includeRaw` returns `{ raw, parsed }`, with
 * `parsed: null` (and `parsing_error`) when the answer cannot be parsed, instead of throwing.
 */
export function buildStructuredOutputRunnable(
  host: StructuredOutputHost,
  schema: StructuredOutputSchema,
  config: StructuredOutputMethodOptions<boolean> = {},
): Runnable<BaseLanguageModelInput, unknown> {
  const method = resolveStructuredOutputMethod(host.model, config.method);
  if (config.strict !== undefined && method === "jsonMode") {
    throw new ChatAIGatewayInputError('withStructuredOutput: `strict` applies to "jsonSchema" and "functionCalling", not "jsonMode".');
  }
  const { name, description, jsonSchema } = describe(schema, config.name);
  let llm: Runnable<BaseLanguageModelInput, BaseMessage>;
  let parser: Runnable<BaseMessage, unknown>;
  if (method === "jsonSchema") {
    llm = host.withConfig({
      response_format: {
        type: "json_schema",
        json_schema: {
          name,
          schema: jsonSchema,
          ...(description ? { description } : {}),
          ...(config.strict !== undefined ? { strict: config.strict } : {}),
        },
      },
      ls_structured_output_format: { kwargs: { method: "json_schema" }, schema: { title: name, ...jsonSchema } },
    });
    parser = contentParser(schema);
  } else if (method === "jsonMode") {
    llm = host.withConfig({
      response_format: { type: "json_object" },
      ls_structured_output_format: { kwargs: { method: "json_mode" }, schema: { title: name, ...jsonSchema } },
    });
    parser = contentParser(schema);
  } else {
    const tool: ChatCompletionTool = {
      type: "function",
      function: {
        name,
        parameters: jsonSchema,
        ...(description ? { description } : {}),
        ...(config.strict !== undefined ? { strict: config.strict } : {}),
      },
    };
    llm = host.withConfig({
      tools: [tool],
      tool_choice: name,
      ls_structured_output_format: { kwargs: { method: "function_calling" }, schema: { title: name, ...jsonSchema } },
    });
    parser = toolCallParser(schema, name);
  }

  if (!config.includeRaw) return llm.pipe(parser).withConfig({ runName: "StructuredOutput" });
  const withRaw = RunnableLambda.from(async (raw: BaseMessage, runConfig) => {
    try {
      return { raw, parsed: await parser.invoke(raw, runConfig) };
    } catch (err) {
      return { raw, parsed: null, parsing_error: err };
    }
  });
  return RunnableSequence.from([llm, withRaw]).withConfig({ runName: "StructuredOutputRunnable" });
}
