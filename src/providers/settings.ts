/**
 * Connection settings of each provider: built from the environment at startup, replaceable at
 * run time through `ProviderRegistry.configure`. Also the masking used wherever settings are shown.
 * What each provider's settings hold, and how they are checked and masked, comes from its
 * descriptor (./descriptors).
 */
import type { AppConfig, FALLBACK_PROVIDER_ENV, FallbackProviderName } from "../config/index.js";
import { registerSecret } from "../logging/index.js";
import { FALLBACK_DESCRIPTOR_LIST, GATEWAY_DESCRIPTOR, PROVIDER_DESCRIPTORS, descriptorOf, type GatewayProviderSettings, type SettingsFor } from "./descriptors/index.js";
import type { ProviderName } from "./types.js";

export { maskSecret } from "./descriptors/index.js";
export type { ApiKeyProviderSettings, GatewayProviderSettings, OllamaProviderSettings } from "./descriptors/index.js";

/** Settings of each fallback provider: an API key and URL, or (Ollama) a URL alone, as its env spec says. */
export type FallbackSettingsMap = { [P in FallbackProviderName]: SettingsFor<(typeof FALLBACK_PROVIDER_ENV)[P]> };

/** Settings per provider. */
export interface ProviderSettingsMap extends FallbackSettingsMap {
  gateway: GatewayProviderSettings;
}

/** Settings of any one provider. */
export type ProviderSettings = ProviderSettingsMap[ProviderName];

/** Vendor API URLs used when no base URL is configured (verify needs them; the clients know them too). */
export const DEFAULT_BASE_URLS = Object.fromEntries(FALLBACK_DESCRIPTOR_LIST.map((d) => [d.name, d.defaultBaseUrl])) as Readonly<Record<FallbackProviderName, string>>;

/** Settings of every provider from a validated configuration; registers every secret for redaction. */
export function settingsFromConfig(app: AppConfig): ProviderSettingsMap {
  const entries = PROVIDER_DESCRIPTORS.map((d) => {
    const settings = d.settingsFromConfig(app);
    registerSettingsSecrets(settings);
    return [d.name, settings] as const;
  });
  return Object.fromEntries(entries) as unknown as ProviderSettingsMap;
}

/** The secret values of `settings` (client secret, API key). */
export function secretsOf(settings: ProviderSettings): string[] {
  if ("gateway" in settings) return GATEWAY_DESCRIPTOR.secretsOf(settings);
  // A fallback provider's one secret is its API key (see descriptors/define.ts).
  return "apiKey" in settings && settings.apiKey ? [settings.apiKey] : [];
}

/** Registers the secrets of `settings` with the log redactor. */
export function registerSettingsSecrets(settings: ProviderSettings): void {
  for (const secret of secretsOf(settings)) registerSecret(secret);
}

/** Whether `provider` has what it needs to be called (credentials, or a URL for Ollama). */
export function isProviderConfigured(provider: ProviderName, settings: ProviderSettings): boolean {
  return descriptorOf(provider).isConfigured(settings);
}

/** A display copy of `settings` with every secret masked. */
export function maskSettings(provider: ProviderName, settings: ProviderSettings): Record<string, unknown> {
  return descriptorOf(provider).mask(settings);
}
