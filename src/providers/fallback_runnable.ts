/**
 * A runnable that tries a derived runnable of each provider model in order, used for
 * `withStructuredOutput` on FallbackChatModel: every provider builds its own structured-output
 * chain (tool calling, JSON schema...) and the first that answers wins.
 */
import type { CallbackManagerForChainRun } from "@langchain/core/callbacks/manager";
import type { BaseLanguageModelInput } from "@langchain/core/language_models/base";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { isBaseMessage, type BaseMessage } from "@langchain/core/messages";
import { Runnable, patchConfig, type RunnableConfig } from "@langchain/core/runnables";
import { invokeWithFallback, withFallbackHint, type FallbackCandidate, type FallbackContext } from "./fallback_engine.js";
import { runTraceContext } from "./tracing.js";
import type { ProviderName } from "./types.js";

/** Supplies the provider models in fallback order, read on every call. */
export type CandidateSource = () => readonly FallbackCandidate[];

/** Derives the runnable actually called from a provider's chat model (bindTools, withStructuredOutput...). */
export type ModelTransform<T> = (model: BaseChatModel) => Runnable<BaseLanguageModelInput, T>;

/** Constructor fields of FallbackRunnable. */
export interface FallbackRunnableFields<T> {
  candidates: CandidateSource;
  context: FallbackContext;
  transform: ModelTransform<T>;
  /** Run name shown in traces. */
  name?: string;
}

/**
 * Adds `provider` (and `fallback_from` after a fallback) to a message's response metadata, and
 * `model_name` when the provider did not name the model. Returns the same message.
 */
export function annotateMessage<M extends BaseMessage>(message: M, candidate: FallbackCandidate, fallbackFrom: ProviderName[]): M {
  const meta = (message.response_metadata ?? {}) as Record<string, unknown>;
  message.response_metadata = {
    ...meta,
    provider: candidate.provider,
    model_name: typeof meta.model_name === "string" && meta.model_name ? meta.model_name : candidate.model,
    ...(fallbackFrom.length > 0 ? { fallback_from: fallbackFrom } : {}),
  };
  return message;
}

/** Tries `transform(model)` of each provider in order, with the same rules as FallbackChatModel. */
export class FallbackRunnable<T> extends Runnable<BaseLanguageModelInput, T> {
  lc_namespace = ["ai_gateway_agents", "providers"];
  private readonly fields: FallbackRunnableFields<T>;
  // One derived runnable per provider model, built on first use.
  private readonly derived = new WeakMap<BaseChatModel, Runnable<BaseLanguageModelInput, T>>();

  static override lc_name(): string {
    return "FallbackRunnable";
  }

  constructor(fields: FallbackRunnableFields<T>) {
    super();
    this.fields = fields;
    if (fields.name) this.name = fields.name;
  }

  private runnableFor(c: FallbackCandidate): Runnable<BaseLanguageModelInput, T> {
    let r = this.derived.get(c.chatModel);
    if (!r) {
      r = this.fields.transform(c.chatModel);
      this.derived.set(c.chatModel, r);
    }
    return r;
  }

  /** Runs the first provider's chain that answers; its run is traced as a child of this one. */
  override async invoke(input: BaseLanguageModelInput, options?: Partial<RunnableConfig>): Promise<T> {
    return this._callWithConfig(
      (value: BaseLanguageModelInput, config?: Partial<RunnableConfig>, runManager?: CallbackManagerForChainRun) => this.run(value, config, runManager),
      input,
      options,
    );
  }

  private async run(input: BaseLanguageModelInput, config: Partial<RunnableConfig> | undefined, runManager?: CallbackManagerForChainRun): Promise<T> {
    const { value, candidate, fallbackFrom } = await invokeWithFallback(
      { ...this.fields.context, traceContext: runTraceContext(runManager) },
      this.fields.candidates(),
      // The hint travels in the config down to the provider model's call options, past parsers.
      (c, hasFallback) => this.runnableFor(c).invoke(input, withFallbackHint(patchConfig(config, { callbacks: runManager?.getChild() }), c, hasFallback)),
      config?.signal,
    );
    // includeRaw: the raw message says which provider answered, like a plain chat call.
    const raw = (value as { raw?: unknown } | undefined)?.raw;
    if (isBaseMessage(raw)) annotateMessage(raw, candidate, fallbackFrom);
    return value;
  }
}
