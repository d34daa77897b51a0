/**
 * Default model id per provider and tier. The gateway's defaults come from the config layer
 * (the system we replace used them); the others name each vendor's current small / mid /
 * large model, taken from the model lists shipped with the installed client packages.
 */
import { DEFAULT_TIER_MODELS } from "../config/index.js";
import type { PerTier, ProviderName, Tier } from "./types.js";

/** Model used for every tier of a local Ollama server unless OLLAMA_MODEL or the tiers file says otherwise. */
export const DEFAULT_OLLAMA_MODEL = "llama3.1";

/** Built-in model ids per provider and tier; the tiers file and env override them. */
export const DEFAULT_PROVIDER_MODELS: Readonly<Record<ProviderName, Readonly<PerTier<string>>>> = {
  gateway: { ...DEFAULT_TIER_MODELS },
  openai: { fast: "gpt-5-mini", standard: "gpt-5.1", premium: "gpt-5.1" },
  anthropic: { fast: "claude-haiku-4-5", standard: "claude-sonnet-4-6", premium: "claude-opus-4-6" },
  google: { fast: "gemini-2.5-flash", standard: "gemini-2.5-pro", premium: "gemini-2.5-pro" },
  ollama: { fast: DEFAULT_OLLAMA_MODEL, standard: DEFAULT_OLLAMA_MODEL, premium: DEFAULT_OLLAMA_MODEL },
};

/** The tier used when a caller names none. */
export const DEFAULT_TIER: Tier = "standard";
