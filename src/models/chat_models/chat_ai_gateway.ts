/**
 * ChatAIGateway: a LangChain chat model over the AI gateway client.
 *
 * Retries: the gateway client is the project's only retry layer. LangChain's AsyncCaller
 * (`this.caller`) would retry every failure again up to 6 times, multiplying attempts, so the
 * base class is built with `maxRetries: 0`, calls go to the client directly (through the
 * caller only to honour a finite `maxConcurrency`, and then with zero retries), and the
 * model's own `maxRetries` travels to the client with each request.
 */
import type { BaseLanguageModelInput, StructuredOutputMethodOptions } from "@langchain/core/language_models/base";
import { BaseChatModel, type BindToolsInput, type LangSmithParams } from "@langchain/core/language_models/chat_models";
import type { ModelProfile } from "@langchain/core/language_models/profile";
import type { AIMessageChunk, BaseMessage } from "@langchain/core/messages";
import { ChatGenerationChunk, type ChatResult } from "@langchain/core/outputs";
import { CallbackManager, type CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import type { Runnable, RunnableConfig } from "@langchain/core/runnables";
import type { InteropZodType } from "@langchain/core/utils/types";
import type { SerializableSchema } from "@langchain/core/utils/standard_schema";
import type { AIGatewayClient, RequestOptions } from "../../gateway/client.js";
import { AIGatewayAbortError } from "../../gateway/errors.js";
import type { ChatCompletionRequest } from "../../gateway/wire.js";
import { getLogger, type Logger } from "../../logging/logger.js";
import {
  convertCompletionToAIMessages,
  convertDeltaToAIMessageChunk,
  convertUsageToAIMessageChunk,
  MODEL_PROVIDER,
  ToolCallIndexer,
  type AIGatewayResponseMetadata,
} from "../converters/completions.js";
import { convertMessagesToWireMessages } from "../converters/messages.js";
import { convertToolsToWireTools } from "../converters/tools.js";
import { getModelFamily } from "../model_family.js";
import { gatewayClientFor } from "./client_registry.js";
import { runHeadersOf } from "./run_headers.js";
import { buildLsParams, buildRequestParams, type RequestParams } from "./params.js";
import { buildStructuredOutputRunnable } from "./structured_output.js";
import { aggregateChunksToChatResult, tokenUsageOutput } from "./aggregate.js";
import { CONNECTION_KEYS, type ChatAIGatewayCallOptions, type ChatAIGatewayConnectionFields, type ChatAIGatewayInput, type ReasoningEffort } from "./types.js";
import { ConfigurationError } from "../../errors.js";

/** Keys that appear in `toJSON()`; the client, logger and headers never do. */
const SERIALIZABLE_KEYS = [
  "model", "temperature", "maxTokens", "maxCompletionTokens", "reasoningEffort", "stopSequences", "stop",
  "timeout", "maxRetries", "maxConcurrency", "streaming", "streamUsage", "modelKwargs", "disableStreaming",
  ...CONNECTION_KEYS, "verbose", "tags", "metadata",
];

const abortError = () => new AIGatewayAbortError();

/** LangChain chat model for the AI gateway: OAuth2, GPT-5 parameters and one retry layer handled for you. */
export class ChatAIGateway extends BaseChatModel<ChatAIGatewayCallOptions, AIMessageChunk> {
  /** Class name used in serialisation and tracing. */
  static override lc_name(): string {
    return "ChatAIGateway";
  }

  /** ChatAIGateway can be serialised with toJSON() (secrets become references). */
  override lc_serializable = true;
  /** Serialisation namespace, following LangChain's provider convention ["langchain", "chat_models", <provider>]. */
  override lc_namespace = ["langchain", "chat_models", "ai_gateway"];

  /** Secrets, replaced by references to these environment variables when serialised. */
  override get lc_secrets(): Record<string, string> {
    return { clientSecret: "AI_GATEWAY_CLIENT_SECRET", apiKey: "AI_GATEWAY_API_KEY" };
  }

  /** Constructor fields that may be serialised. */
  override get lc_serializable_keys(): string[] {
    return SERIALIZABLE_KEYS;
  }

  /** Call options this model understands. */
  override get callKeys(): string[] {
    return [
      ...super.callKeys,
      "tools", "tool_choice", "parallel_tool_calls", "strict", "response_format", "reasoningEffort", "headers", "promptIndex", "hasFallback",
    ];
  }

  /** Model id as the gateway names it. */
  model: string;
  /** Sampling temperature (dropped for models that only take the default). */
  temperature?: number;
  /** Most tokens to generate, sent as max_completion_tokens. */
  maxTokens?: number;
  /** reasoning_effort for reasoning models. */
  reasoningEffort?: ReasoningEffort;
  /** Default stop sequences. */
  stopSequences?: string[];
  /** Per-attempt time until response headers, in ms. */
  timeout?: number;
  /** Retries done by the gateway client (undefined: the client's policy). */
  maxRetries?: number;
  /** Concurrency cap of this model's calls (undefined: none). */
  maxConcurrency?: number;
  /** Whether invoke streams under the hood. */
  streaming = false;
  /** Whether streams ask for token usage. */
  streamUsage = true;
  /** Extra wire parameters for every request. */
  modelKwargs?: Record<string, unknown>;
  /** Connection settings given to the constructor (the environment fills the rest on first call). */
  private readonly connection: ChatAIGatewayConnectionFields;

  private readonly headers?: Record<string, string>;
  private readonly logger?: Logger;
  private gatewayClient?: AIGatewayClient;
  /** The caller's token source, kept off the serialised fields. */
  private readonly tokenProvider?: ChatAIGatewayInput["tokenProvider"];

  constructor(fields: ChatAIGatewayInput);
  constructor(model: string, fields?: Omit<ChatAIGatewayInput, "model">);
  constructor(modelOrFields: string | ChatAIGatewayInput, maybeFields?: Omit<ChatAIGatewayInput, "model">) {
    const fields: ChatAIGatewayInput = typeof modelOrFields === "string" ? { ...maybeFields, model: modelOrFields } : modelOrFields;
    const { client, logger, headers, tokenProvider, ...rest } = fields;
    // maxRetries 0 for LangChain's AsyncCaller: the gateway client does the retrying (see above).
    super({ ...rest, maxRetries: 0 });
    if (!fields.model) throw new ConfigurationError("invalid_option", "ChatAIGateway needs a model id, e.g. new ChatAIGateway({ model: \"gpt-5.1\" }).");
    this.model = fields.model;
    this.gatewayClient = client;
    this.tokenProvider = tokenProvider;
    this.logger = logger;
    this.headers = headers;
    this.temperature = fields.temperature;
    this.maxTokens = fields.maxCompletionTokens ?? fields.maxTokens;
    this.reasoningEffort = fields.reasoningEffort;
    this.stopSequences = fields.stopSequences ?? fields.stop;
    this.timeout = fields.timeout;
    this.maxRetries = fields.maxRetries;
    this.maxConcurrency = Number.isFinite(fields.maxConcurrency) ? fields.maxConcurrency : undefined;
    this.streaming = fields.streaming ?? false;
    this.streamUsage = fields.streamUsage ?? true;
    this.modelKwargs = fields.modelKwargs;
    if (fields.disableStreaming) this.disableStreaming = true;
    this.connection = {};
    for (const key of CONNECTION_KEYS) if (fields[key] !== undefined) (this.connection as Record<string, unknown>)[key] = fields[key];
  }

  /** Provider id used by LangChain (`_type`, serialisation namespace). */
  _llmType(): string {
    return "ai_gateway";
  }

  /**
   * The gateway client: the one given to the constructor, or one built (and shared with
   * models of the same settings) on first use. Throws a clear error when no base URL or
   * credentials can be found.
   */
  get client(): AIGatewayClient {
    return (this.gatewayClient ??= gatewayClientFor(this.connection, this.logger, this.tokenProvider));
  }

  /** What the model supports, for createAgent and other capability-aware callers. */
  override get profile(): ModelProfile {
    return { toolCalling: true, toolChoice: true, structuredOutput: getModelFamily(this.model).structuredOutputMethod === "jsonSchema" };
  }

  /** Request parameters (without messages) plus LangSmith's `ls_*` fields, as tracing shows them. */
  override invocationParams(options?: this["ParsedCallOptions"]): RequestParams & LangSmithParams {
    const { params } = buildRequestParams(this, options);
    // Object.assign rather than spreads: V8 (Node 20) builds merged literals on a slow path.
    return Object.assign(buildLsParams(params), params);
  }

  /**
   * Splits LangChain's config from the call options, and adds the run's gateway headers
   * (`configurable[RUN_HEADERS_KEY]`, set by streamSteps, the HTTP API and the CLI) under the
   * call's own `headers`, which win. Every path of a call (invoke, stream, batch) comes here.
   */
  protected override _separateRunnableConfigFromCallOptionsCompat(
    options?: Partial<ChatAIGatewayCallOptions>,
  ): [RunnableConfig, this["ParsedCallOptions"]] {
    const [config, callOptions] = super._separateRunnableConfigFromCallOptionsCompat(options);
    const run = runHeadersOf(config);
    if (run) callOptions.headers = callOptions.headers ? mergeHeaders(run, callOptions.headers) : run;
    return [config, callOptions];
  }

  /** Cache key of a call: without `headers`, whose values a cache must not store. */
  override _getSerializedCacheKeyParametersForCall(options: ChatAIGatewayCallOptions & { config?: RunnableConfig }): string {
    if (options.headers === undefined) return super._getSerializedCacheKeyParametersForCall(options);
    const { headers: _headers, ...rest } = options;
    return super._getSerializedCacheKeyParametersForCall(rest as ChatAIGatewayCallOptions & { config?: RunnableConfig });
  }

  /** Call options as callbacks and tracers see them: without `headers`, which may carry credentials. */
  protected override _getCallOptionsForTracing(
    options: this["ParsedCallOptions"],
    _invocationParams: ReturnType<this["invocationParams"]>,
  ): this["ParsedCallOptions"] {
    if (options.headers === undefined) return options;
    // A copy: the options object itself still has to carry the headers to the request.
    const { headers: _headers, ...rest } = options;
    return rest as this["ParsedCallOptions"];
  }

  /** LangSmith parameters: provider, model, temperature and max tokens as sent. */
  override getLsParams(options: this["ParsedCallOptions"]): LangSmithParams {
    const { params } = buildRequestParams(this, options);
    return buildLsParams(params);
  }

  /** Parameters identifying this model (cache keys, legacy serialisation); no secrets. */
  override _identifyingParams(): Record<string, unknown> {
    return { model_name: this.model, ...this.invocationParams() };
  }

  /** Binds tools (LangChain tools, OpenAI tools, `{name, description, schema}`), converted once here. */
  override bindTools(
    tools: BindToolsInput[],
    kwargs?: Partial<ChatAIGatewayCallOptions>,
  ): Runnable<BaseLanguageModelInput, AIMessageChunk, ChatAIGatewayCallOptions> {
    return this.withConfig({ ...kwargs, tools: convertToolsToWireTools(tools, { strict: kwargs?.strict }) });
  }

  /** Structured output by json_schema (default where supported), forced function call or JSON mode. */
  override withStructuredOutput<RunOutput extends Record<string, any> = Record<string, any>>(
    outputSchema: InteropZodType<RunOutput> | SerializableSchema<RunOutput> | Record<string, any>,
    config?: StructuredOutputMethodOptions<false>,
  ): Runnable<BaseLanguageModelInput, RunOutput>;
  override withStructuredOutput<RunOutput extends Record<string, any> = Record<string, any>>(
    outputSchema: InteropZodType<RunOutput> | SerializableSchema<RunOutput> | Record<string, any>,
    config?: StructuredOutputMethodOptions<true>,
  ): Runnable<BaseLanguageModelInput, { raw: BaseMessage; parsed: RunOutput }>;
  override withStructuredOutput<RunOutput extends Record<string, any> = Record<string, any>>(
    outputSchema: InteropZodType<RunOutput> | SerializableSchema<RunOutput> | Record<string, any>,
    config?: StructuredOutputMethodOptions<boolean>,
  ): Runnable<BaseLanguageModelInput, RunOutput> | Runnable<BaseLanguageModelInput, { raw: BaseMessage; parsed: RunOutput }> {
    const host = { model: this.model, withConfig: (c: Partial<ChatAIGatewayCallOptions>) => this.withConfig(c) };
    return buildStructuredOutputRunnable(host, outputSchema as Record<string, unknown>, config) as Runnable<BaseLanguageModelInput, RunOutput>;
  }

  /** Wire request for `messages`; settings the model family rejects are dropped with a debug line. */
  private buildRequest(messages: BaseMessage[], options: this["ParsedCallOptions"]): ChatCompletionRequest {
    const family = getModelFamily(this.model);
    const { params, dropped } = buildRequestParams(this, options, family);
    if (dropped) {
      const logger = this.logger ?? getLogger();
      for (const d of dropped) logger.debug({ model: this.model, param: d.param, value: d.value }, `ChatAIGateway: not sending ${d.param}: ${d.reason}`);
    }
    const request = params as ChatCompletionRequest;
    request.messages = convertMessagesToWireMessages(messages, { systemRole: family.systemRole });
    return request;
  }

  private requestOptions(options: this["ParsedCallOptions"]): RequestOptions {
    const callHeaders = options.headers;
    return {
      signal: options.signal,
      timeoutMs: this.timeout,
      maxRetries: this.maxRetries,
      headers: callHeaders ? mergeHeaders(this.headers, callHeaders) : this.headers,
      hasFallback: options.hasFallback,
    };
  }

  /** One non-streamed completion (or a streamed one aggregated, with `streaming: true`). */
  async _generate(messages: BaseMessage[], options: this["ParsedCallOptions"], runManager?: CallbackManagerForLLMRun): Promise<ChatResult> {
    if (options.signal?.aborted) throw abortError();
    if (this.streaming) return aggregateChunksToChatResult(this._streamResponseChunks(messages, options, runManager));
    const request = this.buildRequest(messages, options);
    const client = this.client;
    const requestOptions = this.requestOptions(options);
    const completion =
      this.maxConcurrency === undefined
        ? await client.createChatCompletion(request, requestOptions)
        : await this.caller.call(() => client.createChatCompletion(request, requestOptions));
    // One generation per choice (`n > 1`); invoke() takes the first, as LangChain does.
    const generations = convertCompletionToAIMessages(completion, completion._request_id).map((message) => {
      if (completion._simulated) message.response_metadata.simulated = true;
      const finish = message.response_metadata.finish_reason as string | undefined;
      return { text: typeof message.content === "string" ? message.content : message.text, message, generationInfo: finish ? { finish_reason: finish } : undefined };
    });
    return { generations, llmOutput: tokenUsageOutput(generations[0].message.usage_metadata) };
  }

  /**
   * `stream()` path. Same contract as BaseChatModel's (callbacks, tracing, run ids, abort
   * checks), minus one cost: the base concatenates every chunk into a running aggregate
   * (a new message object per chunk) even when no callback will ever read it. Here the
   * aggregate is only built when a run manager exists. Inputs the base formats specially for
   * tracing (non-string content) and v1 output go through the base implementation unchanged.
   */
  override async *_streamIterator(input: BaseLanguageModelInput, options?: Partial<ChatAIGatewayCallOptions>): AsyncGenerator<AIMessageChunk> {
    const messages = BaseChatModel._convertInputToPromptValue(input).toChatMessages();
    const outputVersion = options?.outputVersion ?? this.outputVersion;
    if (this.disableStreaming || outputVersion === "v1" || messages.some((m) => typeof m.content !== "string")) {
      yield* super._streamIterator(messages, options);
      return;
    }
    const [runnableConfig, callOptions] = this._separateRunnableConfigFromCallOptionsCompat(options);
    const invocationParams = this._getInvocationParamsForTracing(callOptions);
    const callbackManager = await CallbackManager.configure(
      runnableConfig.callbacks,
      this.callbacks,
      runnableConfig.tags,
      this.tags,
      { ...runnableConfig.metadata, ...this.getLsParamsWithDefaults(callOptions) },
      this.metadata,
      { verbose: this.verbose, tracerInheritableMetadata: this._filterInvocationParamsForTracing(invocationParams) },
    );
    const extra = { options: this._getCallOptionsForTracing(callOptions, invocationParams), invocation_params: invocationParams, batch_size: 1 };
    const runManager = (
      await callbackManager?.handleChatModelStart(this.toJSON(), [messages], runnableConfig.runId, undefined, extra, undefined, undefined, runnableConfig.runName)
    )?.[0];
    let aggregate: ChatGenerationChunk | undefined;
    try {
      for await (const chunk of this._streamResponseChunks(messages, callOptions, runManager)) {
        callOptions.signal?.throwIfAborted();
        const message = chunk.message as AIMessageChunk;
        if (message.id == null && runManager) message._updateId(`run-${runManager.runId}`);
        if (chunk.generationInfo) message.response_metadata = { ...chunk.generationInfo, ...message.response_metadata };
        yield message;
        if (runManager) aggregate = aggregate ? aggregate.concat(chunk) : chunk;
      }
      callOptions.signal?.throwIfAborted();
    } catch (err) {
      await runManager?.handleLLMError(err);
      throw err;
    }
    if (runManager) {
      const usage = (aggregate?.message as AIMessageChunk | undefined)?.usage_metadata;
      await runManager.handleLLMEnd({ generations: aggregate ? [[aggregate]] : [[]], llmOutput: tokenUsageOutput(usage) });
    }
  }

  /** Streams one completion as chunks: text, tool call fragments, then one usage chunk. */
  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this["ParsedCallOptions"],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    if (options.signal?.aborted) throw abortError();
    const request = this.buildRequest(messages, options);
    const stream = this.client.streamChatCompletion(request, { ...this.requestOptions(options), includeUsage: this.streamUsage });
    const promptIndex = options.promptIndex ?? 0;
    const toolCallIndexer = new ToolCallIndexer();
    let usageChunk: AIMessageChunk | undefined;
    for await (const chunk of stream) {
      if (chunk.usage) usageChunk = convertUsageToAIMessageChunk(chunk, chunk.usage);
      const choice = chunk.choices?.[0];
      if (!choice) continue;
      const delta = choice.delta ?? {};
      const finish = choice.finish_reason;
      if (!finish && !delta.content && !delta.tool_calls?.length && !delta.refusal) continue;
      let metadata: AIGatewayResponseMetadata | undefined;
      if (finish) {
        // Only here: string metadata is concatenated when chunks are merged.
        metadata = { model_provider: MODEL_PROVIDER, model: chunk.model, model_name: chunk.model, finish_reason: finish };
        if (stream.requestId) metadata.request_id = stream.requestId;
        if (stream.simulated) metadata.simulated = true;
        if (chunk.system_fingerprint) metadata.system_fingerprint = chunk.system_fingerprint;
      }
      const generation = new ChatGenerationChunk({
        message: convertDeltaToAIMessageChunk(chunk, delta, metadata, toolCallIndexer),
        text: delta.content ?? "",
        generationInfo: finish ? { finish_reason: finish } : undefined,
      });
      yield generation;
      if (runManager) {
        await runManager.handleLLMNewToken(generation.text, { prompt: promptIndex, completion: choice.index ?? 0 }, undefined, undefined, undefined, { chunk: generation });
      }
    }
    if (usageChunk) {
      // Usage rides on exactly one chunk, so concatenating the stream counts it once.
      const generation = new ChatGenerationChunk({ message: usageChunk, text: "" });
      yield generation;
      if (runManager) await runManager.handleLLMNewToken("", { prompt: promptIndex, completion: 0 }, undefined, undefined, undefined, { chunk: generation });
    }
  }
}

/** `over` on top of `base`, names compared without case (HTTP's rule), so `X-Team` replaces `x-team`. */
function mergeHeaders(base: Readonly<Record<string, string>> | undefined, over: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const headers of [base ?? {}, over]) for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}
