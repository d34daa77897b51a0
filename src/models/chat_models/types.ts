/** Constructor fields and call options of ChatAIGateway. */
import type { BaseChatModelCallOptions, BaseChatModelParams, BindToolsInput } from "@langchain/core/language_models/chat_models";
import type { AIGatewayClient } from "../../gateway/client.js";
import type { ChatCompletionRequest, ChatCompletionTool } from "../../gateway/wire.js";
import type { ClientAuthMethod } from "../../config/config.js";
import type { Logger } from "../../logging/logger.js";
import type { ToolChoiceInput } from "../converters/tools.js";

/** `reasoning_effort` values (reasoning models only). */
export type ReasoningEffort = Exclude<NonNullable<ChatCompletionRequest["reasoning_effort"]>, null>;

/** Wire `response_format` (text, json_object, json_schema). */
export type ResponseFormat = NonNullable<ChatCompletionRequest["response_format"]>;

/** Connection settings; any not given falls back to the environment (`loadConfig(process.env)`). */
export interface ChatAIGatewayConnectionFields {
  /** Gateway origin plus optional prefix (AI_GATEWAY_BASE_URL). */
  baseUrl?: string;
  /** Path of the OpenAI-compatible API under baseUrl (AI_GATEWAY_API_PATH, default "/v1"). */
  apiPath?: string;
  /** OAuth2 client id (AI_GATEWAY_CLIENT_ID). */
  clientId?: string;
  /** OAuth2 client secret (AI_GATEWAY_CLIENT_SECRET). Never serialised. */
  clientSecret?: string;
  /**
   * Static bearer token used instead of OAuth2 (AI_GATEWAY_API_KEY), for gateways that hand out
   * API keys. Named `apiKey` because LangChain integrations conventionally take one. Never serialised.
   */
  apiKey?: string;
  /** OAuth2 token endpoint (AI_GATEWAY_TOKEN_URL). */
  tokenUrl?: string;
  /** OAuth2 issuer whose metadata names the token endpoint (AI_GATEWAY_ISSUER). */
  issuer?: string;
  /** Space-separated OAuth2 scopes (AI_GATEWAY_SCOPE). */
  scope?: string;
  /** RFC 8707 resource indicator (AI_GATEWAY_RESOURCE). */
  resource?: string;
  /** Audience parameter for identity providers that want one (AI_GATEWAY_AUDIENCE). */
  audience?: string;
  /** How the client authenticates at the token endpoint (AI_GATEWAY_AUTH_METHOD). */
  authMethod?: ClientAuthMethod;
  /** Allow plain-http URLs to non-loopback hosts (never in production). */
  allowInsecureHttp?: boolean;
}

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
  /** Extra HTTP headers for this call. */
  headers?: Record<string, string>;
  /** Index of the prompt in a batch, reported with streamed tokens. */
  promptIndex?: number;
  /** What `withStructuredOutput` asked for, so tracing can show it. */
  ls_structured_output_format?: { kwargs: { method: string }; schema?: Record<string, unknown> };
}
