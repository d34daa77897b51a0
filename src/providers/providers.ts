/**
 * One factory per provider: builds the LangChain chat model for a tier from the provider's
 * settings and the tier's settings. Provider clients are built with their own retries off
 * (`maxRetries: 0`): the gateway client is the one retry layer, and fallback to the next
 * provider replaces retrying a failing one. ChatAIGateway keeps its client's retry policy.
 *
 * The vendor SDKs are loaded only for the providers that take part (`loadProviderSdks`, which
 * `ProviderRegistry.create` and `configure` await): a process that only talks to the gateway
 * never pays for the OpenAI, Anthropic, Gemini or Ollama packages.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { AIGatewayClient } from "../gateway/index.js";
import { ChatAIGateway, isReasoningModel } from "../models/index.js";
import type { ApiKeyProviderSettings, OllamaProviderSettings, ProviderSettings } from "./settings.js";
import type { TierSettings } from "./tier_config.js";
import type { ProviderName } from "./types.js";

type Vendor = Exclude<ProviderName, "gateway">;

const SDK_LOADERS = {
  openai: () => import("@langchain/openai"),
  anthropic: () => import("@langchain/anthropic"),
  google: () => import("@langchain/google-genai"),
  ollama: () => import("@langchain/ollama"),
};

type Sdks = { [V in Vendor]: Awaited<ReturnType<(typeof SDK_LOADERS)[V]>> };

const sdks: Partial<Sdks> = {};

const isVendor = (p: ProviderName): p is Vendor => p !== "gateway";

/** Loads the SDK of each of `providers` that has one and is not loaded yet (default: all of them). */
export async function loadProviderSdks(providers: readonly ProviderName[] = Object.keys(SDK_LOADERS) as Vendor[]): Promise<void> {
  await Promise.all(
    providers.filter(isVendor).map(async (p) => {
      (sdks as Record<Vendor, unknown>)[p] ??= await SDK_LOADERS[p]();
    }),
  );
}

function sdk<V extends Vendor>(provider: V): Sdks[V] {
  const loaded = sdks[provider];
  if (!loaded) throw new Error(`The ${provider} SDK is not loaded: build the registry with ProviderRegistry.create(), or await loadProviderSdks() first.`);
  return loaded as Sdks[V];
}

/** What a factory needs besides the provider settings. */
export interface ModelBuildContext {
  /** Model id for this provider and tier. */
  model: string;
  /** The tier's limits (maxTokens, temperature, reasoningEffort). */
  tier: Pick<TierSettings, "maxTokens" | "temperature" | "reasoningEffort">;
  /** The shared gateway client (gateway provider only). */
  gatewayClient?: AIGatewayClient;
  /**
   * fetch for the vendor SDK's HTTP calls (e.g. over an SSRF-guarded dispatcher). Honoured by
   * OpenAI, Anthropic and Ollama; the Gemini client takes no custom fetch.
   */
  fetch?: typeof fetch;
}

/** Builds the chat model of `provider` for one tier; throws when the settings cannot make one. */
export function createProviderChatModel(provider: ProviderName, settings: ProviderSettings, ctx: ModelBuildContext): BaseChatModel {
  switch (provider) {
    case "gateway":
      return createGatewayModel(ctx);
    case "openai":
      return createOpenAIModel(settings as ApiKeyProviderSettings, ctx);
    case "anthropic":
      return createAnthropicModel(settings as ApiKeyProviderSettings, ctx);
    case "google":
      return createGoogleModel(settings as ApiKeyProviderSettings, ctx);
    case "ollama":
      return createOllamaModel(settings as OllamaProviderSettings, ctx);
  }
}

function createGatewayModel(ctx: ModelBuildContext): BaseChatModel {
  if (!ctx.gatewayClient) throw new Error("The gateway provider needs a gateway client.");
  // Parameter rules per model family (temperature vs reasoning effort) live in ChatAIGateway.
  return new ChatAIGateway({
    model: ctx.model,
    client: ctx.gatewayClient,
    maxTokens: ctx.tier.maxTokens,
    temperature: ctx.tier.temperature,
    reasoningEffort: ctx.tier.reasoningEffort,
  });
}

function createOpenAIModel(s: ApiKeyProviderSettings, ctx: ModelBuildContext): BaseChatModel {
  const reasoning = isReasoningModel(ctx.model);
  return new (sdk("openai").ChatOpenAI)({
    model: ctx.model,
    apiKey: s.apiKey,
    configuration: s.baseUrl || ctx.fetch ? { baseURL: s.baseUrl, fetch: ctx.fetch } : undefined,
    maxRetries: 0,
    maxTokens: ctx.tier.maxTokens,
    // Reasoning models reject a temperature; other models reject reasoning_effort.
    temperature: reasoning ? undefined : ctx.tier.temperature,
    reasoning: reasoning && ctx.tier.reasoningEffort ? { effort: ctx.tier.reasoningEffort } : undefined,
    streamUsage: true,
  });
}

function createAnthropicModel(s: ApiKeyProviderSettings, ctx: ModelBuildContext): BaseChatModel {
  // reasoningEffort is not mapped: Anthropic's thinking budget is a different control.
  return new (sdk("anthropic").ChatAnthropic)({
    model: ctx.model,
    apiKey: s.apiKey,
    anthropicApiUrl: s.baseUrl,
    clientOptions: ctx.fetch ? { fetch: ctx.fetch } : undefined,
    maxRetries: 0,
    maxTokens: ctx.tier.maxTokens,
    temperature: ctx.tier.temperature,
  });
}

function createGoogleModel(s: ApiKeyProviderSettings, ctx: ModelBuildContext): BaseChatModel {
  return new (sdk("google").ChatGoogleGenerativeAI)({
    model: ctx.model,
    apiKey: s.apiKey,
    baseUrl: s.baseUrl,
    maxRetries: 0,
    maxOutputTokens: ctx.tier.maxTokens,
    temperature: ctx.tier.temperature,
  });
}

function createOllamaModel(s: OllamaProviderSettings, ctx: ModelBuildContext): BaseChatModel {
  return new (sdk("ollama").ChatOllama)({
    model: ctx.model,
    baseUrl: s.baseUrl,
    fetch: ctx.fetch,
    maxRetries: 0,
    numPredict: ctx.tier.maxTokens,
    temperature: ctx.tier.temperature,
  });
}
