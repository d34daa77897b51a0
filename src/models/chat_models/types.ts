/** Constructor fields and call options of ChatAIGateway. */
import type { BaseChatModelCallOptions, BaseChatModelParams, BindToolsInput } from "@langchain/core/language_models/chat_models";
import type { AIGatewayClient } from "../../gateway/client.js";
import type { TokenFunction } from "../../gateway/token_callback.js";
import type { TokenProvider } from "../../gateway/token_source.js";
import type { ChatCompletionRequest, ChatCompletionTool } from "../../gateway/wire.js";
import type { GatewayConfig } from "../../config/config.js";
import type { Logger } from "../../logging/logger.js";
import type { ToolChoiceInput } from "../converters/tools.js";

/** `reasoning_effort` values (reasoning models only). */
export type ReasoningEffort = Exclude<NonNullable<ChatCompletionRequest["reasoning_effort"]>, null>;

/** Wire `response_format` (text, json_object, json_schema). */
export type ResponseFormat = NonNullable<ChatCompletionRequest["response_format"]>;

/** Names of the connection settings a model may be given (the rest come from the environment). */
export const CONNECTION_KEYS = [
  "baseUrl",
  "apiPath",
  "clientId",
  "clientSecret",
  "apiKey",
  "tokenUrl",
  "issuer",
  "scope",
  "resource",
  "audience",
  "authMethod",
  "allowInsecureHttp",
] as const satisfies readonly (keyof GatewayConfig)[];

/**
 * Connection settings, with the meaning `GatewayConfig` documents for each; any not given falls
 * back to the environment (`loadConfig(process.env)`). `apiKey` is a static bearer token used
 * instead of OAuth2 (AI_GATEWAY_API_KEY), for gateways that hand out API keys; it is named
 * `apiKey` because LangChain integrations conventionally take one. `clientSecret` and `apiKey`
 * are never serialised.
 */
export type ChatAIGatewayConnectionFields = Partial<Pick<GatewayConfig, (typeof CONNECTION_KEYS)[number]>>;

/** Constructor fields of ChatAIGateway. */
export interface ChatAIGatewayInput extends BaseChatModelParams, ChatAIGatewayConnectionFields {
  /** Model id as the gateway names it, e.g. "gpt-5.1", "azure/gpt-5.1", "gpt-4.1". */
  model: string;
  /**
   * A shared gateway client (one token cache, one connection pool for many models). When
   * absent, a client is built on the first call from the connection fields and the environment,
   * and shared with every other model built from the same settings.
   */
  client?: AIGatewayClient;
  /**
   * Bearer tokens from your own code instead of the configured credentials, like AzureChatOpenAI's
   * `azureADTokenProvider`: `() => Promise<string | { token, expiresAt }>`, e.g.
   * `getBearerTokenProvider(credential, scope)` from @azure/identity. Results are cached and
   * refreshed like OAuth2 tokens; after a 401 the function is asked again once. Never serialised.
   */
  tokenProvider?: TokenFunction | TokenProvider;
  /** Sampling temperature; dropped (with a debug log line) for models that only accept the default. */
  temperature?: number;
  /** Most tokens to generate; sent as `max_completion_tokens`. */
  maxTokens?: number;
  /** Alias of `maxTokens`, named after the wire parameter. */
  maxCompletionTokens?: number;
  /** `reasoning_effort` for reasoning models; dropped (debug log) for others. */
  reasoningEffort?: ReasoningEffort;
  /** Stop sequences sent with every call unless the call gives `stop`. */
  stopSequences?: string[];
  /** Alias of `stopSequences`. */
  stop?: string[];
  /** Time allowed per attempt until response headers arrive, in ms (default: the client's). */
  timeout?: number;
  /** Retries of transient failures, done by the gateway client only (default: the client's policy). */
  maxRetries?: number;
  /** Whether `invoke` streams under the hood and aggregates the chunks. */
  streaming?: boolean;
  /** Ask for token usage at the end of streams (`stream_options.include_usage`); default true. */
  streamUsage?: boolean;
  /** Extra HTTP headers sent with every call of this model. Never serialised (they may hold credentials). */
  headers?: Record<string, string>;
  /** Extra wire parameters merged into every request (e.g. `top_p`, `seed`, `service_tier`). */
  modelKwargs?: Record<string, unknown>;
  /** Logger for this model's debug lines and a client it builds; default the process logger. */
  logger?: Logger;
}

/** Call options of ChatAIGateway (per `invoke`/`stream`, or bound with `withConfig`/`bindTools`). */
export interface ChatAIGatewayCallOptions extends BaseChatModelCallOptions {
  /** Tools offered to the model: LangChain tools, OpenAI tools or `{ name, description, schema }`. */
  tools?: (BindToolsInput | ChatCompletionTool)[];
  /** "auto" | "none" | "required" | "any" (= required) | a tool name | a wire tool choice. */
  tool_choice?: ToolChoiceInput;
  /** Whether the model may call several tools in one turn. */
  parallel_tool_calls?: boolean;
  /** Strict JSON-schema adherence for tool arguments. */
  strict?: boolean;
  /** Wire `response_format` (used by `withStructuredOutput`). */
  response_format?: ResponseFormat;
  /** Overrides the model's `reasoningEffort` for this call. */
  reasoningEffort?: ReasoningEffort;
  /** Extra HTTP headers for this call; kept out of callbacks and tracing (they may hold credentials). */
  headers?: Record<string, string>;
  /**
   * Another provider can take this call (FallbackChatModel sets it): a gateway that sends no
   * first byte in time (AI_GATEWAY_FIRST_BYTE_TIMEOUT_MS for streams) fails at once instead of
   * being retried, so the call moves on.
   */
  hasFallback?: boolean;
  /** Index of the prompt in a batch, reported with streamed tokens. */
  promptIndex?: number;
  /** What `withStructuredOutput` asked for, so tracing can show it. */
  ls_structured_output_format?: { kwargs: { method: string }; schema?: Record<string, unknown> };
}
