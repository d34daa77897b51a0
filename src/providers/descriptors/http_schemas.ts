/**
 * What the HTTP API and the config store accept for a fallback provider, in the two shapes
 * there are: a provider reached with an API key (OpenAI, Anthropic, Gemini) and one reached by
 * its URL alone (Ollama). A descriptor picks its shape from whether its env spec has an API key.
 * Every object is strict and every string bounded; URLs are only shape-checked (the SSRF guard
 * decides whether one may be used).
 */
import { z } from "zod";
import type { FALLBACK_PROVIDER_ENV, FallbackProviderName, ProviderEnvSpec, ProviderEnvVar } from "../../config/index.js";

/** A URL in a request body. */
export const requestUrl = z.string().trim().min(1).max(2_048);
/** A secret in a request body (client secret, API key). */
export const requestSecret = z.string().min(1).max(4_096);
/** `null` clears a field (back to the default); absent leaves it. */
export const nullable = <T extends z.ZodType>(schema: T) => schema.nullable().optional();
/** A value in the store file; `null` means "cleared". */
export const storedValue = z.string().max(4_096).nullable().optional();

/** Credentials of a provider with an API key, to test. */
export const apiKeyCredentials = z.strictObject({ apiKey: requestSecret, baseUrl: requestUrl.optional() });
/** Settings of a provider reached by URL alone, to test. */
export const urlOnlyCredentials = z.strictObject({ baseUrl: requestUrl.optional() });

/** Settings of a provider with an API key that an admin may change; `baseUrl: null` restores the vendor URL. */
export const apiKeySettingsChange = z.strictObject({ enabled: z.boolean().optional(), apiKey: requestSecret.optional(), baseUrl: nullable(requestUrl) });
/** Settings of a provider reached by URL alone that an admin may change. */
export const urlOnlySettingsChange = z.strictObject({ enabled: z.boolean().optional(), baseUrl: nullable(requestUrl) });

/** Stored overrides of a provider with an API key. */
export const apiKeyStoreEntry = z.strictObject({ enabled: z.boolean().optional(), apiKey: storedValue, baseUrl: storedValue });
/** Stored overrides of a provider reached by URL alone. */
export const urlOnlyStoreEntry = z.strictObject({ enabled: z.boolean().optional(), baseUrl: storedValue });

/** The three schemas of a provider with an API key. */
export const API_KEY_HTTP = { credentials: apiKeyCredentials, settingsChange: apiKeySettingsChange, storeEntry: apiKeyStoreEntry } as const;
/** The three schemas of a provider reached by URL alone. */
export const URL_ONLY_HTTP = { credentials: urlOnlyCredentials, settingsChange: urlOnlySettingsChange, storeEntry: urlOnlyStoreEntry } as const;

/** The HTTP schemas of a provider whose env spec is `E`. */
export type HttpSchemasFor<E> = E extends { apiKey: ProviderEnvVar } ? typeof API_KEY_HTTP : typeof URL_ONLY_HTTP;

/** Either shape of HTTP schemas. */
export type FallbackHttpSchemas = typeof API_KEY_HTTP | typeof URL_ONLY_HTTP;

/** One kind of HTTP schema of every fallback provider, by provider, typed from its env spec. */
export type FallbackHttpMap<K extends keyof FallbackHttpSchemas> = { [P in FallbackProviderName]: HttpSchemasFor<(typeof FALLBACK_PROVIDER_ENV)[P]>[K] };

/** What a schema of FallbackHttpMap accepts, by provider. */
export type FallbackHttpOutputs<K extends keyof FallbackHttpSchemas> = { [P in FallbackProviderName]: z.output<FallbackHttpMap<K>[P]> };

/** The HTTP schemas for `env`. */
export function httpSchemasFor(env: ProviderEnvSpec): FallbackHttpSchemas {
  return env.apiKey ? API_KEY_HTTP : URL_ONLY_HTTP;
}
