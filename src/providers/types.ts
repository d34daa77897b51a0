/** Shared vocabulary of the provider layer: tiers, provider names, where a tier's model came from. */
import { PROVIDER_NAMES, TIER_NAMES, type ProviderName, type TierName } from "../config/index.js";

/** A model tier: `fast`, `standard` or `premium`. */
export type Tier = TierName;

/** A provider name: `gateway`, `openai`, `anthropic`, `google` or `ollama`. */
export type { ProviderName };

/** Every tier, cheapest first; also the order tier settings are listed in. */
export const TIERS: readonly Tier[] = TIER_NAMES;

/** Every provider, in the default fallback order. */
export const PROVIDERS: readonly ProviderName[] = PROVIDER_NAMES;

/** Where a tier's gateway model id came from; `file` is the TIERS_CONFIG file. */
export type ModelSource = "env" | "file" | "discovered" | "default";

/** The model picked for one tier, and why. */
export interface TierSelection {
  /** Model id sent to the gateway. */
  model: string;
  /** `env` (AI_GATEWAY_*_MODEL) and `file` always win over `discovered`, which wins over `default`. */
  source: ModelSource;
}

/** A per-tier record. */
export type PerTier<T> = Record<Tier, T>;

/** State of a provider's circuit breaker, as reported by `status()`. */
export type BreakerState = "closed" | "open" | "half-open";

/** Whether `value` names a tier. */
export function isTier(value: unknown): value is Tier {
  return typeof value === "string" && (TIERS as readonly string[]).includes(value);
}

/** Whether `value` names a provider. */
export function isProviderName(value: unknown): value is ProviderName {
  return typeof value === "string" && (PROVIDERS as readonly string[]).includes(value);
}

/** Reasoning effort levels understood by GPT-5.x / o-series models (others ignore the setting). */
export const REASONING_EFFORTS = ["none", "minimal", "low", "medium", "high", "xhigh"] as const;

/** One reasoning effort level. */
export type TierReasoningEffort = (typeof REASONING_EFFORTS)[number];

/** The tier settings a provider's chat-model factory reads. */
export interface TierModelSettings {
  maxTokens?: number;
  temperature?: number;
  reasoningEffort?: TierReasoningEffort;
}
