/**
 * Connection settings of each provider: built from the environment at startup, replaceable at
 * run time through `ProviderRegistry.configure`. Also the masking used wherever settings are shown.
 */
import type { AppConfig, GatewayConfig } from "../config/index.js";
import { isGatewayConfigured } from "../config/index.js";
import { registerSecret } from "../logging/index.js";
import type { ProviderName } from "./types.js";

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

/** A local Ollama server; configured by its URL alone. */
export interface OllamaProviderSettings {
  enabled: boolean;
  baseUrl?: string;
}

/** Settings per provider. */
export interface ProviderSettingsMap {
  gateway: GatewayProviderSettings;
  openai: ApiKeyProviderSettings;
  anthropic: ApiKeyProviderSettings;
  google: ApiKeyProviderSettings;
  ollama: OllamaProviderSettings;
}

/** Settings of any one provider. */
export type ProviderSettings = ProviderSettingsMap[ProviderName];

/** Vendor API URLs used when no base URL is configured (verify needs them; the clients know them too). */
export const DEFAULT_BASE_URLS: Readonly<Record<Exclude<ProviderName, "gateway">, string>> = {
  openai: "https://api.openai.com/v1",
  anthropic: "https://api.anthropic.com",
  google: "https://generativelanguage.googleapis.com",
  ollama: "http://127.0.0.1:11434",
};

/** Settings of every provider from a validated configuration; registers every secret for redaction. */
export function settingsFromConfig(app: AppConfig): ProviderSettingsMap {
  const p = app.providers;
  const settings: ProviderSettingsMap = {
    gateway: { enabled: app.gateway.enabled, gateway: app.gateway },
    openai: { enabled: true, apiKey: p.openai.apiKey, baseUrl: p.openai.baseUrl },
    anthropic: { enabled: true, apiKey: p.anthropic.apiKey, baseUrl: p.anthropic.baseUrl },
    google: { enabled: true, apiKey: p.google.apiKey, baseUrl: p.google.baseUrl },
    ollama: { enabled: true, baseUrl: p.ollama.baseUrl },
  };
  registerSettingsSecrets(settings.gateway);
  for (const name of ["openai", "anthropic", "google"] as const) registerSettingsSecrets(settings[name]);
  return settings;
}

/** The secret values of `settings` (client secret, API key). */
export function secretsOf(settings: ProviderSettings): string[] {
  if ("gateway" in settings) return [settings.gateway.clientSecret, settings.gateway.apiKey].filter((v): v is string => !!v);
  return "apiKey" in settings && settings.apiKey ? [settings.apiKey] : [];
}

/** Registers the secrets of `settings` with the log redactor. */
export function registerSettingsSecrets(settings: ProviderSettings): void {
  for (const secret of secretsOf(settings)) registerSecret(secret);
}

/** Whether `provider` has what it needs to be called (credentials, or a URL for Ollama). */
export function isProviderConfigured(provider: ProviderName, settings: ProviderSettings): boolean {
  if (provider === "gateway") return isGatewayConfigured({ ...(settings as GatewayProviderSettings).gateway, enabled: true });
  if (provider === "ollama") return !!(settings as OllamaProviderSettings).baseUrl;
  return !!(settings as ApiKeyProviderSettings).apiKey;
}

/** Masks a secret for display: "…abcd" (at most the last 4 characters); values under 12 characters become "…". */
export function maskSecret(value: string | undefined): string | undefined {
  if (!value) return undefined;
  return value.length >= 12 ? `…${value.slice(-4)}` : "…";
}

/** A display copy of `settings` with every secret masked. */
export function maskSettings(provider: ProviderName, settings: ProviderSettings): Record<string, unknown> {
  if (provider === "gateway") {
    const g = (settings as GatewayProviderSettings).gateway;
    return {
      baseUrl: g.baseUrl,
      apiPath: g.apiPath,
      tokenUrl: g.tokenUrl,
      clientId: g.clientId,
      clientSecret: maskSecret(g.clientSecret),
      apiKey: maskSecret(g.apiKey),
    };
  }
  if (provider === "ollama") return { baseUrl: (settings as OllamaProviderSettings).baseUrl };
  const s = settings as ApiKeyProviderSettings;
  return { baseUrl: s.baseUrl ?? DEFAULT_BASE_URLS[provider], apiKey: maskSecret(s.apiKey) };
}
