/**
 * `defineFallbackProvider`: turns what a fallback provider's file says about itself into a full
 * descriptor. The parts every such provider shares (settings from its variables, whether it is
 * configured, masking, the HTTP schemas, loading its SDK once) are written here, once.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { ProviderEnvSpec, ProviderEnvValues } from "../../config/index.js";
import type { PerTier } from "../types.js";
import { httpSchemasFor } from "./http_schemas.js";
import type {
  FallbackProviderDescriptor,
  FallbackProviderSettings,
  ModelBuildContext,
  ModelsProbe,
  ProviderErrorNames,
  ProviderPricing,
} from "./types.js";

/** Masks a secret for display: "…abcd" (at most the last 4 characters); values under 12 characters become "…". */
export function maskSecret(value: string | undefined): string | undefined {
  if (!value) return undefined;
  return value.length >= 12 ? `…${value.slice(-4)}` : "…";
}

/** A counter for `ModelsProbe.count`: the length of the array at `field` of the body. */
export const countList =
  (field: string) =>
  (body: unknown): number | undefined => {
    const v = (body as Record<string, unknown> | undefined)?.[field];
    return Array.isArray(v) ? v.length : undefined;
  };

/** What a fallback provider's file gives `defineFallbackProvider`. */
export interface FallbackProviderSpec<N extends string, Sdk> {
  name: N;
  /** How messages name the provider. */
  label: string;
  /** Its variables: its entry of FALLBACK_PROVIDER_ENV (src/config/provider_env.ts). */
  env: ProviderEnvSpec;
  /** The vendor's API URL when none is configured. */
  defaultBaseUrl: string;
  defaultModels: Readonly<PerTier<string>>;
  /** Whether the SDK takes a custom fetch (default true). */
  guardable?: boolean;
  errorNames?: ProviderErrorNames;
  /** How its calls are priced (default: by model id alone). */
  prices?: ProviderPricing;
  /** Imports the LangChain provider package; called once, only when the provider takes part. */
  loadSdk: () => Promise<Sdk>;
  /** Builds the chat model. The SDK's own retries must be off: the gateway client is the one retry layer. */
  createModel: (sdk: Sdk, settings: FallbackProviderSettings, ctx: ModelBuildContext) => BaseChatModel;
  /** The models request for `baseUrl` (configured or default, no trailing slash) and `apiKey` ("" when none). */
  probe: (baseUrl: string, apiKey: string) => ModelsProbe;
}

/** A full descriptor from a fallback provider's spec. */
export function defineFallbackProvider<N extends string, Sdk>(spec: FallbackProviderSpec<N, Sdk>): FallbackProviderDescriptor<N> {
  const hasApiKey = spec.env.apiKey !== undefined;
  const setupVar = (spec.env.apiKey ?? spec.env.baseUrl)?.name;
  if (!setupVar) throw new Error(`Provider '${spec.name}' needs an apiKey or baseUrl variable in its env spec.`);
  let sdk: Sdk | undefined;
  const apiKeyOf = (s: FallbackProviderSettings): string | undefined => ("apiKey" in s ? s.apiKey : undefined);
  const settingsFrom = (values: ProviderEnvValues<ProviderEnvSpec>): FallbackProviderSettings =>
    hasApiKey ? { enabled: true, apiKey: values.apiKey, baseUrl: values.baseUrl } : { enabled: true, baseUrl: values.baseUrl };
  return {
    kind: "fallback",
    name: spec.name,
    label: spec.label,
    env: spec.env,
    defaultBaseUrl: spec.defaultBaseUrl,
    defaultModels: spec.defaultModels,
    hasApiKey,
    setupVar,
    guardable: spec.guardable ?? true,
    http: httpSchemasFor(spec.env),
    errorNames: spec.errorNames ?? {},
    prices: spec.prices ?? {},
    settingsFrom,
    settingsFromConfig: (app) => settingsFrom((app.providers as unknown as Record<string, ProviderEnvValues<ProviderEnvSpec> | undefined>)[spec.name] ?? {}),
    isConfigured: (s) => (hasApiKey ? !!apiKeyOf(s) : !!s.baseUrl),
    secretsOf: (s) => {
      const key = apiKeyOf(s);
      return key ? [key] : [];
    },
    // A provider configured by its URL shows none until it has one: a default there would read as configured.
    mask: (s) => (hasApiKey ? { baseUrl: s.baseUrl ?? spec.defaultBaseUrl, apiKey: maskSecret(apiKeyOf(s)) } : { baseUrl: s.baseUrl }),
    loadSdk: async () => {
      sdk ??= await spec.loadSdk();
    },
    createModel: (s, ctx) => {
      if (!sdk) throw new Error(`The ${spec.name} SDK is not loaded: build the registry with ProviderRegistry.create(), or await loadProviderSdks() first.`);
      return spec.createModel(sdk, s, ctx);
    },
    probe: (s) => spec.probe((s.baseUrl ?? spec.defaultBaseUrl).replace(/\/+$/, ""), apiKeyOf(s) ?? ""),
  };
}
