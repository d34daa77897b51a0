/**
 * What the registry needs of each tier to pick and call a model: the model id per provider,
 * token limit, reasoning effort, temperature and fixed prices, the default tier and the gateway
 * models pinned by the tiers file or env. What a run may do with those models (agents, tools,
 * routing, approvals, budgets) is policy and lives in src/policy, which also reads the file.
 */
import { FALLBACK_PROVIDER_NAMES, type AppConfig, type ProviderEnvSpec, type ProviderEnvValues } from "../config/index.js";
import { DEFAULT_PROVIDER_MODELS, DEFAULT_TIER } from "./tiers.js";
import { PROVIDERS, TIERS, type PerTier, type ProviderName, type Tier, type TierModelSettings, type TierSelection } from "./types.js";

/** Prices in USD per million tokens, for cost reports. */
export interface TierPrices {
  inputPerMillion: number;
  outputPerMillion: number;
}

/** Fully resolved model settings of one tier. */
export interface TierSettings extends TierModelSettings {
  /** Model id per provider. The gateway's entry is the default that discovery may replace. */
  models: Record<ProviderName, string>;
  /** Fixed prices for this tier's calls, whatever model answers; unset, each call is priced by its model (model_prices.ts). */
  prices?: TierPrices;
}

/** The model side of the tier configuration: what `ProviderRegistry` reads. */
export interface TierConfig {
  /** Tier used when a caller names none. */
  defaultTier: Tier;
  /** Model settings per tier. */
  tiers: PerTier<TierSettings>;
  /** Gateway model ids set explicitly (env or file); they win over discovery. */
  pinnedGatewayModels: Partial<PerTier<TierSelection>>;
}

/** Built-in model settings of each tier, without models (those come from DEFAULT_PROVIDER_MODELS). */
export const DEFAULT_TIER_MODEL_SETTINGS: Readonly<PerTier<TierModelSettings>> = {
  fast: { maxTokens: 4_096, reasoningEffort: "low" },
  standard: { maxTokens: 8_192, reasoningEffort: "medium" },
  premium: { maxTokens: 16_384, reasoningEffort: "high" },
};

/** The built-in tier models and settings, before env (a tiers file's `tiers.<tier>` fields are merged over these by src/policy). */
export function defaultTierConfig(): TierConfig {
  const tiers = {} as PerTier<TierSettings>;
  for (const tier of TIERS) {
    const models = {} as Record<ProviderName, string>;
    for (const p of PROVIDERS) models[p] = DEFAULT_PROVIDER_MODELS[p][tier];
    tiers[tier] = { models, ...DEFAULT_TIER_MODEL_SETTINGS[tier] };
  }
  return { defaultTier: DEFAULT_TIER, tiers, pinnedGatewayModels: {} };
}

/**
 * Applies environment settings over a tier config: AI_GATEWAY_<TIER>_MODEL pins the gateway's
 * model (source "env"), a fallback provider's model variable (OLLAMA_MODEL) sets its model for
 * every tier, DEFAULT_TIER picks the default tier.
 */
export function applyEnvToTierConfig(config: TierConfig, app: AppConfig): TierConfig {
  const tiers = structuredClone(config.tiers);
  const pinned = { ...config.pinnedGatewayModels };
  for (const tier of TIERS) {
    const envModel = app.gateway.models[tier];
    if (envModel) {
      pinned[tier] = { model: envModel, source: "env" };
      tiers[tier].models.gateway = envModel;
    }
    for (const p of FALLBACK_PROVIDER_NAMES) {
      const model = (app.providers[p] as ProviderEnvValues<ProviderEnvSpec>).model;
      if (model) tiers[tier].models[p] = model;
    }
  }
  return { ...config, tiers, pinnedGatewayModels: pinned, defaultTier: app.providers.defaultTier ?? config.defaultTier };
}
