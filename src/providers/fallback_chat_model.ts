/**
 * FallbackChatModel: one BaseChatModel over several providers' models for a tier. Unlike
 * `RunnableWithFallbacks` it stays a chat model, so `bindTools`, `withStructuredOutput` and
 * streaming keep working, and each provider gets the tools bound in its own format.
 *
 * Each provider call is traced as a child run of this model's run, tagged "langsmith:nostream"
 * and "langsmith:hidden" so LangGraph's "messages" and "events" stream modes show the tokens
 * once, from this model's run (which carries `provider`, `model_name` and `fallback_from` in
 * its metadata). Raw `streamEvents` consumers see both runs and can drop the tagged one.
 */
import type { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { CallbackManager, type CallbackManagerForLLMRun, type Callbacks } from "@langchain/core/callbacks/manager";
import type { BaseLanguageModelInput, StructuredOutputMethodOptions } from "@langchain/core/language_models/base";
import {
  BaseChatModel,
  type BaseChatModelCallOptions,
  type BaseChatModelParams,
  type BindToolsInput,
  type LangSmithParams,
} from "@langchain/core/language_models/chat_models";
import { AIMessageChunk, type BaseMessage } from "@langchain/core/messages";
import { ChatGenerationChunk, type ChatResult } from "@langchain/core/outputs";
import type { Runnable } from "@langchain/core/runnables";
import { getLogger, type Logger } from "../logging/index.js";
import { ProviderBreakers } from "./breaker.js";
import { annotateFailure, invokeWithFallback, streamWithFallback, withFallbackHint, type FallbackCandidate, type FallbackContext } from "./fallback_engine.js";
import { FallbackRunnable, annotateMessage, type CandidateSource, type ModelTransform } from "./fallback_runnable.js";
import { runTraceContext } from "./tracing.js";
import type { Tier } from "./types.js";

/** Call options: LangChain's, plus the tool options every provider model understands. */
export interface FallbackChatModelCallOptions extends BaseChatModelCallOptions {
  /** Tools offered for this call (prefer `bindTools`). */
  tools?: BindToolsInput[];
  /** "auto" | "none" | "required" | "any" | a tool name; each provider formats it its own way. */
  tool_choice?: string | Record<string, unknown>;
  parallel_tool_calls?: boolean;
  strict?: boolean;
}

/** Constructor fields of FallbackChatModel. */
export interface FallbackChatModelFields extends BaseChatModelParams {
  /** Provider models in fallback order, or a function read on every call (so a reconfiguration takes effect). */
  candidates: readonly FallbackCandidate[] | CandidateSource;
  /** Circuit breakers shared with the registry; default a private set with default settings. */
  breakers?: ProviderBreakers;
  /** Where fallbacks are logged; default the process logger. */
  logger?: Logger;
  /** Tier name, for log lines and errors. */
  tier?: Tier;
  /** @internal Applied to each provider model before the call (tools bound by `bindTools`). */
  transform?: ModelTransform<AIMessageChunk>;
}

/** A chat model that answers from the first provider that can, in order, behind circuit breakers. */
export class FallbackChatModel extends BaseChatModel<FallbackChatModelCallOptions, AIMessageChunk> {
  /** Tier this model serves, when built by the registry. */
  readonly tier?: Tier;
  private readonly source: CandidateSource;
  private readonly breakers: ProviderBreakers;
  private readonly logger: Logger;
  private readonly modelTransform?: ModelTransform<AIMessageChunk>;
  // Bound runnables per provider model, built once: bindTools formats tools per provider.
  private readonly transformed = new WeakMap<BaseChatModel, Runnable<BaseLanguageModelInput, BaseMessage>>();

  static override lc_name(): string {
    return "FallbackChatModel";
  }

  constructor(fields: FallbackChatModelFields) {
    const { candidates, breakers, logger, tier, transform, ...base } = fields;
    // The base gets only LangChain's own fields; provider models are not serialisable kwargs.
    super({ ...base, maxRetries: 0 });
    const list = candidates;
    this.source = typeof list === "function" ? list : () => list;
    this.logger = logger ?? getLogger();
    this.breakers = breakers ?? new ProviderBreakers({}, this.logger);
    this.tier = tier;
    this.modelTransform = transform;
  }

  _llmType(): string {
    return "fallback";
  }

  /** The provider models currently in line, in order. */
  candidates(): readonly FallbackCandidate[] {
    return this.source();
  }

  override getLsParams(options: this["ParsedCallOptions"]): LangSmithParams {
    const first = this.source()[0];
    return { ls_provider: first?.provider ?? "fallback", ls_model_name: first?.model, ls_model_type: "chat", ls_stop: options.stop };
  }

  /** The loop's context; with `runManager`, the trace context of this model call's run (parent of the attempts' spans). */
  private context(runManager?: CallbackManagerForLLMRun): FallbackContext {
    return { breakers: this.breakers, logger: this.logger, tier: this.tier, traceContext: runTraceContext(runManager) };
  }

  private runnableFor(c: FallbackCandidate): Runnable<BaseLanguageModelInput, BaseMessage> {
    if (!this.modelTransform) return c.chatModel;
    let r = this.transformed.get(c.chatModel);
    if (!r) {
      r = this.modelTransform(c.chatModel);
      this.transformed.set(c.chatModel, r);
    }
    return r;
  }

  /** Invokes providers in order until one answers. */
  async _generate(messages: BaseMessage[], options: this["ParsedCallOptions"], runManager?: CallbackManagerForLLMRun): Promise<ChatResult> {
    const { value, candidate, fallbackFrom } = await invokeWithFallback(
      this.context(runManager),
      this.source(),
      (c, hasFallback) => this.runnableFor(c).invoke(messages, withFallbackHint(innerConfig(options, runManager), c, hasFallback)),
      options.signal,
    );
    const message = annotateMessage(value, candidate, fallbackFrom);
    // An id the provider's own run made up is dropped; LangChain then gives this run's id.
    if (message.id?.startsWith("run-")) message._updateId(undefined);
    return { generations: [{ text: message.text, message }] };
  }

  /** Streams from the first provider that produces a first chunk; no fallback after it. */
  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this["ParsedCallOptions"],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    let candidate: FallbackCandidate | undefined;
    let fallbackFrom: string[] = [];
    let reportedModel: string | undefined;
    let streamId: string | undefined;
    let first = true;
    const events = streamWithFallback(
      this.context(runManager),
      this.source(),
      async (c, hasFallback) => (await this.runnableFor(c).stream(messages, withFallbackHint(innerConfig(options, runManager), c, hasFallback)))[Symbol.asyncIterator](),
      options.signal,
    );
    const emit = async (message: AIMessageChunk): Promise<ChatGenerationChunk> => {
      // One stream is one message: every chunk gets the provider's first message id. Ids the
      // provider's own run made up ("run-<its id>") are dropped, so this run's id is used instead.
      if (first) streamId = message.id?.startsWith("run-") ? undefined : message.id;
      message._updateId(streamId);
      const generation = new ChatGenerationChunk({ message, text: message.text });
      await runManager?.handleLLMNewToken(generation.text, { prompt: (options as { promptIndex?: number }).promptIndex ?? 0, completion: 0 }, undefined, undefined, undefined, { chunk: generation });
      return generation;
    };
    let sentText = false;
    try {
      for await (const event of events) {
        if (event.type === "start") {
          candidate = event.candidate;
          fallbackFrom = event.fallbackFrom;
          continue;
        }
        const message = toChunk(event.chunk);
        // model_name is a string, and strings are concatenated when chunks merge: it is taken
        // off the provider's chunks and sent once, on a closing chunk.
        const { model_name: modelName, ...metadata } = message.response_metadata ?? {};
        if (typeof modelName === "string" && modelName) reportedModel = modelName;
        message.response_metadata = metadata;
        if (first && candidate) message.response_metadata = { ...metadata, provider: candidate.provider, ...fallbackMeta(fallbackFrom) };
        const generation = await emit(message);
        first = false;
        if (generation.text) sentText = true;
        yield generation;
      }
    } catch (err) {
      // A failure after text reached the caller is not a clean failure: describeModelFailure says so.
      if (candidate) annotateFailure(err, sentText ? { provider: candidate.provider, partialOutput: true } : { provider: candidate.provider });
      throw err;
    }
    if (!candidate) return;
    const closing = new AIMessageChunk({ content: "", response_metadata: { model_name: reportedModel ?? candidate.model } });
    if (first) closing.response_metadata = { ...closing.response_metadata, provider: candidate.provider, ...fallbackMeta(fallbackFrom) };
    yield await emit(closing);
  }

  /** Binds `tools` to every provider's model, each in its own format. */
  override bindTools(tools: BindToolsInput[], kwargs?: Partial<FallbackChatModelCallOptions>): FallbackChatModel {
    return this.derive((model) => {
      if (typeof model.bindTools !== "function") throw new Error(`${model.getName()} does not support tool calling.`);
      return model.bindTools(tools, kwargs as Partial<BaseChatModelCallOptions>) as Runnable<BaseLanguageModelInput, AIMessageChunk>;
    });
  }

  /** A copy with `transform` applied to each provider model (used by bindTools). */
  private derive(transform: ModelTransform<AIMessageChunk>): FallbackChatModel {
    return new FallbackChatModel({
      candidates: this.source,
      breakers: this.breakers,
      logger: this.logger,
      tier: this.tier,
      transform,
      callbacks: this.callbacks,
      tags: this.tags,
      metadata: this.metadata,
      verbose: this.verbose,
    });
  }

  override withStructuredOutput<RunOutput extends Record<string, unknown> = Record<string, unknown>>(
    outputSchema: Parameters<BaseChatModel["withStructuredOutput"]>[0],
    config?: StructuredOutputMethodOptions<false>,
  ): Runnable<BaseLanguageModelInput, RunOutput>;
  override withStructuredOutput<RunOutput extends Record<string, unknown> = Record<string, unknown>>(
    outputSchema: Parameters<BaseChatModel["withStructuredOutput"]>[0],
    config?: StructuredOutputMethodOptions<true>,
  ): Runnable<BaseLanguageModelInput, { raw: BaseMessage; parsed: RunOutput }>;
  /** Structured output through fallback: each provider uses its own withStructuredOutput. */
  override withStructuredOutput<RunOutput extends Record<string, unknown> = Record<string, unknown>>(
    outputSchema: Parameters<BaseChatModel["withStructuredOutput"]>[0],
    config?: StructuredOutputMethodOptions<boolean>,
  ): Runnable<BaseLanguageModelInput, RunOutput> | Runnable<BaseLanguageModelInput, { raw: BaseMessage; parsed: RunOutput }> {
    return new FallbackRunnable<RunOutput | { raw: BaseMessage; parsed: RunOutput }>({
      candidates: this.source,
      context: this.context(),
      // Each provider's own implementation: tool calling, JSON schema or its native mode.
      transform: (model) =>
        (model.withStructuredOutput as (schema: unknown, config?: unknown) => Runnable<BaseLanguageModelInput, RunOutput | { raw: BaseMessage; parsed: RunOutput }>).call(
          model,
          outputSchema,
          config,
        ),
      name: `${this.getName()}.withStructuredOutput`,
    }) as Runnable<BaseLanguageModelInput, RunOutput>;
  }
}

/**
 * Options for a provider call: the caller's options, with callbacks made explicit. Without
 * them the call would inherit the enclosing graph node's callbacks from async-local storage
 * and stream every token a second time.
 */
function innerConfig<T extends object>(options: T, runManager?: CallbackManagerForLLMRun): T & { callbacks: Callbacks } {
  if (!runManager) return { ...options, callbacks: [] };
  // An LLM run manager has no getChild(); this builds the same child manager a chain run would.
  const parent = runManager as unknown as { inheritableHandlers: BaseCallbackHandler[]; inheritableTags: string[]; inheritableMetadata: Record<string, unknown> };
  const child = new CallbackManager(runManager.runId);
  child.setHandlers(parent.inheritableHandlers);
  child.addTags(parent.inheritableTags);
  child.addMetadata(parent.inheritableMetadata);
  // Not inherited: only the provider's own run is tagged. "nostream" keeps LangGraph's "messages"
  // mode from showing each token twice, "hidden" does the same for the "events" mode.
  child.addTags(["langsmith:nostream", "langsmith:hidden"], false);
  return { ...options, callbacks: child };
}

function toChunk(value: unknown): AIMessageChunk {
  if (AIMessageChunk.isInstance(value)) return value;
  const m = value as BaseMessage;
  const toolCalls = (m as { tool_calls?: { id?: string; name: string; args: Record<string, unknown> }[] }).tool_calls ?? [];
  // A provider without native streaming yields one whole message; its tool calls become chunks
  // so they merge like streamed ones.
  return new AIMessageChunk({
    content: m.content,
    id: m.id,
    response_metadata: m.response_metadata,
    additional_kwargs: m.additional_kwargs,
    usage_metadata: (m as { usage_metadata?: AIMessageChunk["usage_metadata"] }).usage_metadata,
    tool_call_chunks: toolCalls.map((tc, index) => ({ type: "tool_call_chunk" as const, id: tc.id, name: tc.name, args: JSON.stringify(tc.args), index })),
  });
}

function fallbackMeta(from: string[]): Record<string, unknown> {
  return from.length > 0 ? { fallback_from: from } : {};
}
