/**
 * Default model id per provider and tier, from each provider's descriptor. The gateway's
 * defaults come from the config layer (the system we replace used them); the others name each
 * vendor's current small / mid / large model, taken from the model lists shipped with the
 * installed client packages.
 */
import { PROVIDER_DESCRIPTORS } from "./descriptors/index.js";
import type { PerTier, ProviderName, Tier } from "./types.js";

export { DEFAULT_OLLAMA_MODEL } from "./descriptors/index.js";

/** Built-in model ids per provider and tier; the tiers file and env override them. */
export const DEFAULT_PROVIDER_MODELS = Object.fromEntries(PROVIDER_DESCRIPTORS.map((d) => [d.name, d.defaultModels])) as Readonly<
  Record<ProviderName, Readonly<PerTier<string>>>
>;

/** The tier used when a caller names none. */
export const DEFAULT_TIER: Tier = "standard";
