/**
 * The shape of a provider descriptor: one object per provider that knows everything about it
 * (label, variables, default URL and tier models, chat-model factory, verify probe, what the HTTP
 * API accepts for it, error names its SDK raises). Settings, verify, tiers, the server's schemas
 * and the config store are derived from the list in ./index.ts.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { AppConfig, GatewayConfig, ProviderEnvSpec, ProviderEnvValues, ProviderEnvVar } from "../../config/index.js";
import type { AIGatewayClient } from "../../gateway/index.js";
import type { PerTier, TierModelSettings } from "../types.js";
import type { FallbackHttpSchemas } from "./http_schemas.js";

/** What a factory needs besides the provider settings. */
export interface ModelBuildContext {
  /** Model id for this provider and tier. */
  model: string;
  /** The tier's limits (maxTokens, temperature, reasoningEffort). */
  tier: TierModelSettings;
  /** The shared gateway client (gateway provider only). */
  gatewayClient?: AIGatewayClient;
  /**
   * fetch for the vendor SDK's HTTP calls (e.g. over an SSRF-guarded dispatcher). Honoured by
   * the providers whose descriptor says `guardable`; the Gemini client takes no custom fetch.
   */
  fetch?: typeof fetch;
}

/** Gateway provider: the gateway configuration (one shared client serves every tier). */
export interface GatewayProviderSettings {
  enabled: boolean;
  gateway: GatewayConfig;
}

/** A hosted provider reached with an API key (OpenAI, Anthropic, Gemini). */
export interface ApiKeyProviderSettings {
  enabled: boolean;
  apiKey?: string;
  /** Overrides the vendor's API URL (a proxy, a compatible server, a test stub). */
  baseUrl?: string;
}

/** A provider reached by its URL alone (a local Ollama server). */
export interface OllamaProviderSettings {
  enabled: boolean;
  baseUrl?: string;
}

/** Settings of any fallback provider. */
export type FallbackProviderSettings = ApiKeyProviderSettings | OllamaProviderSettings;

/** The settings type of a provider whose env spec is `E`. */
export type SettingsFor<E> = E extends { apiKey: ProviderEnvVar } ? ApiKeyProviderSettings : OllamaProviderSettings;

/** How a vendor's models endpoint is called by verify. */
export interface ModelsProbe {
  url: string;
  headers: Record<string, string>;
  /** Number of models in the body, if the vendor's shape is known. */
  count: (body: unknown) => number | undefined;
}

/** Error class names a provider's SDK raises without a status or network code, by what they mean. */
export interface ProviderErrorNames {
  /** The service could not be reached. */
  readonly network?: readonly string[];
  /** The service did not answer in time. */
  readonly timeout?: readonly string[];
  /** The caller cancelled the call. */
  readonly abort?: readonly string[];
  /** The service failed the call (server error, rate limit, rejected key) in a class of its own. */
  readonly outage?: readonly string[];
}

/** Settings of any provider. */
export type AnyProviderSettings = GatewayProviderSettings | FallbackProviderSettings;

/** How a provider's calls are priced. */
export interface ProviderPricing {
  /** Its id in the price table (@pydantic/genai-prices); without one, models are looked up by id alone. */
  readonly tableId?: string;
  /** It runs on the user's own machine: its calls cost nothing. */
  readonly free?: boolean;
}

/**
 * What every descriptor has. Its methods take settings as method parameters (checked both ways),
 * so any descriptor can be used as `CommonDescriptor<ProviderName, AnyProviderSettings>`.
 */
export interface CommonDescriptor<N extends string, S> {
  readonly name: N;
  /** How messages name the provider ("OpenAI"). */
  readonly label: string;
  /** Built-in model per tier; the tiers file and env override them. */
  readonly defaultModels: Readonly<PerTier<string>>;
  /** Error names of its SDK, for classify.ts and failure.ts. */
  readonly errorNames: ProviderErrorNames;
  /** How its calls are priced (model_prices.ts). */
  readonly prices: ProviderPricing;
  /** Its settings from a validated configuration. */
  settingsFromConfig(app: AppConfig): S;
  /** Whether it has what it needs to be called (credentials, or a URL). */
  isConfigured(settings: S): boolean;
  /** The secret values of its settings. */
  secretsOf(settings: S): string[];
  /** A display copy of its settings, secrets masked. */
  mask(settings: S): Record<string, unknown>;
  /** Loads its SDK if it has one (vendor packages are imported only for providers that take part). */
  loadSdk(): Promise<void>;
  /** Builds its chat model for one tier; throws when the settings cannot make one. */
  createModel(settings: S, ctx: ModelBuildContext): BaseChatModel;
}

/** The gateway's descriptor: its rich configuration stays GatewayConfig, verified by the gateway client itself. */
export interface GatewayDescriptor extends CommonDescriptor<"gateway", GatewayProviderSettings> {
  readonly kind: "gateway";
}

/** A fallback provider's descriptor. */
export interface FallbackProviderDescriptor<N extends string = string> extends CommonDescriptor<N, FallbackProviderSettings> {
  readonly kind: "fallback";
  /** Its variables (the half of the descriptor that lives in src/config/provider_env.ts). */
  readonly env: ProviderEnvSpec;
  /** The vendor's API URL, used when no base URL is configured. */
  readonly defaultBaseUrl: string;
  /** Reached with an API key (else by its URL alone). */
  readonly hasApiKey: boolean;
  /** The variable that makes it take part: its API key's, or without one its URL's. */
  readonly setupVar: string;
  /**
   * Whether its SDK takes our fetch, so calls to a URL given over HTTP can go through the SSRF
   * guard and refuse redirects. When false, its URL can be set only in the environment.
   */
  readonly guardable: boolean;
  /** What the HTTP API and the config store accept for it. */
  readonly http: FallbackHttpSchemas;
  /** Its settings from the values of its variables. */
  settingsFrom(values: ProviderEnvValues<ProviderEnvSpec>): FallbackProviderSettings;
  /** The request verify sends: its models endpoint at the configured (or default) URL. */
  probe(settings: FallbackProviderSettings): ModelsProbe;
}

/** Any provider's descriptor. */
export type ProviderDescriptor = GatewayDescriptor | FallbackProviderDescriptor;
