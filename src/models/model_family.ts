/**
 * Model-family rules: which request parameters a model id accepts. Everything that depends on
 * the model id lives here, so one table decides what ChatAIGateway sends.
 *
 * Gateways often namespace ids ("azure/gpt-5.1", "openai/gpt-5.1"); every rule looks at the id
 * without that prefix. ChatOpenAI tests `model.startsWith("gpt-5")` on the full id and so sends
 * `max_tokens`/temperature to prefixed reasoning models, which then fail with a 400.
 */

/** How `withStructuredOutput` asks a model for a schema when the caller names no method. */
export type StructuredOutputMethod = "jsonSchema" | "functionCalling" | "jsonMode";

/** Everything ChatAIGateway needs to know about one model id. */
export interface ModelFamily {
  /** The id without a provider prefix, lower-cased: "azure/GPT-5.1" -> "gpt-5.1". */
  readonly baseId: string;
  /** Reasoning model (gpt-5*, except "-chat" ids, and the o-series). */
  readonly reasoning: boolean;
  /** Whether a temperature other than the default (1) is accepted. */
  readonly acceptsTemperature: boolean;
  /** Whether `reasoning_effort` is accepted. */
  readonly acceptsReasoningEffort: boolean;
  /** Role that LangChain system messages are sent with. */
  readonly systemRole: "system" | "developer";
  /** Default `withStructuredOutput` method. */
  readonly structuredOutputMethod: "jsonSchema" | "functionCalling";
}

/** Strips a gateway namespace: "azure/gpt-5.1" -> "gpt-5.1" (the last path segment wins). */
export function stripModelPrefix(model: string): string {
  const slash = model.lastIndexOf("/");
  return slash >= 0 ? model.slice(slash + 1) : model;
}

/** Whether a gpt-5 id is a chat (non-reasoning) variant, e.g. "gpt-5.1-chat-latest", "gpt-5-chat". */
function isGpt5ChatId(baseId: string): boolean {
  return baseId.includes("-chat");
}

/** Reasoning models: gpt-5* except "-chat" ids, and o1/o3/o4-mini/... (`o` followed by a digit). */
export function isReasoningModel(model: string): boolean {
  const id = stripModelPrefix(model).toLowerCase();
  return (id.startsWith("gpt-5") && !isGpt5ChatId(id)) || /^o\d/.test(id);
}

/**
 * Models with OpenAI Structured Outputs (`response_format: json_schema`): gpt-4o and later
 * (gpt-4o*, chatgpt-4o*, gpt-4.1*, gpt-5*) and the o-series except the first previews
 * (o1-mini, o1-preview), which never got it.
 */
export function supportsJsonSchema(model: string): boolean {
  const id = stripModelPrefix(model).toLowerCase();
  if (/^o1-(mini|preview)/.test(id)) return false;
  if (/^o\d/.test(id)) return true;
  return /^(chatgpt-4o|gpt-4o|gpt-4\.[1-9]|gpt-[5-9])/.test(id);
}

/** Computes the family of one id (uncached; see `getModelFamily`). */
export function computeModelFamily(model: string): ModelFamily {
  const reasoning = isReasoningModel(model);
  return Object.freeze({
    baseId: stripModelPrefix(model).toLowerCase(),
    reasoning,
    acceptsTemperature: !reasoning,
    acceptsReasoningEffort: reasoning,
    // OpenAI's reasoning models treat `developer` as the system role (a `system` message is
    // rewritten to it server-side at best). Other models keep `system`, because not every
    // model behind a gateway knows the newer role.
    systemRole: reasoning ? "developer" : "system",
    structuredOutputMethod: supportsJsonSchema(model) ? "jsonSchema" : "functionCalling",
  });
}

// A model id is looked up on every call: memoise, bounded so odd ids cannot grow it forever.
const familyCache = new Map<string, ModelFamily>();
const MAX_CACHED_FAMILIES = 512;

/** The family of `model`, memoised. */
export function getModelFamily(model: string): ModelFamily {
  let family = familyCache.get(model);
  if (family === undefined) {
    family = computeModelFamily(model);
    if (familyCache.size >= MAX_CACHED_FAMILIES) familyCache.clear();
    familyCache.set(model, family);
  }
  return family;
}
