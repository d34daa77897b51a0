/**
 * Every provider, one descriptor file each. Adding a fallback provider: its variables in
 * src/config/provider_env.ts (config is the bottom layer, so they live there), its descriptor
 * file here, and one entry in FALLBACK_DESCRIPTORS below; settings, verify, tiers, error
 * classification, the server's schemas and the config store follow from this list.
 */
import { FALLBACK_PROVIDER_NAMES, PROVIDER_NAMES, type FallbackProviderName, type ProviderName } from "../../config/index.js";
import { anthropic } from "./anthropic.js";
import { gateway } from "./gateway.js";
import { google } from "./google.js";
import { ollama } from "./ollama.js";
import { openai } from "./openai.js";
import type { FallbackHttpSchemas } from "./http_schemas.js";
import type { AnyProviderSettings, CommonDescriptor, FallbackProviderDescriptor, ProviderDescriptor, ProviderErrorNames } from "./types.js";

/** The fallback providers' descriptors, by name; exactly the providers of FALLBACK_PROVIDER_ENV. */
export const FALLBACK_DESCRIPTORS = { openai, anthropic, google, ollama } satisfies { readonly [P in FallbackProviderName]: FallbackProviderDescriptor<P> };

/** The gateway's descriptor. */
export const GATEWAY_DESCRIPTOR = gateway;

/** Every descriptor, in the default fallback order (PROVIDER_NAMES). */
export const PROVIDER_DESCRIPTORS: readonly ProviderDescriptor[] = PROVIDER_NAMES.map((p) => (p === "gateway" ? gateway : FALLBACK_DESCRIPTORS[p]));

/** The fallback providers' descriptors, in the default fallback order. */
export const FALLBACK_DESCRIPTOR_LIST: readonly FallbackProviderDescriptor[] = FALLBACK_PROVIDER_NAMES.map((p) => FALLBACK_DESCRIPTORS[p]);

/** The descriptor of `provider`, as the view every descriptor shares (its settings are the caller's to match). */
export function descriptorOf(provider: ProviderName): CommonDescriptor<ProviderName, AnyProviderSettings> {
  return provider === "gateway" ? gateway : FALLBACK_DESCRIPTORS[provider];
}

/** The descriptor of the fallback provider `provider`. */
export function fallbackDescriptorOf(provider: FallbackProviderName): FallbackProviderDescriptor {
  return FALLBACK_DESCRIPTORS[provider];
}

/** The SDK error names of every descriptor in `list`, of one meaning. */
export function sdkErrorNames(kind: keyof ProviderErrorNames, list: readonly ProviderDescriptor[] = PROVIDER_DESCRIPTORS): string[] {
  return [...new Set(list.flatMap((d) => d.errorNames[kind] ?? []))];
}

/** One kind of HTTP schema (credentials, settingsChange, storeEntry) of every descriptor in `list`, by name. */
export function httpSchemasByProvider<K extends keyof FallbackHttpSchemas>(
  kind: K,
  list: readonly FallbackProviderDescriptor[] = FALLBACK_DESCRIPTOR_LIST,
): Record<string, FallbackHttpSchemas[K]> {
  return Object.fromEntries(list.map((d) => [d.name, d.http[kind]]));
}

/** "OPENAI_API_KEY, ANTHROPIC_API_KEY, GOOGLE_API_KEY or OLLAMA_BASE_URL": what sets up any fallback provider. */
export function fallbackSetupVars(list: readonly FallbackProviderDescriptor[] = FALLBACK_DESCRIPTOR_LIST): string {
  const vars = list.map((d) => d.setupVar);
  return vars.length <= 1 ? vars.join("") : `${vars.slice(0, -1).join(", ")} or ${vars[vars.length - 1]}`;
}

export { DEFAULT_OLLAMA_MODEL } from "./ollama.js";
export { defineFallbackProvider, maskSecret, countList, type FallbackProviderSpec } from "./define.js";
export * from "./http_schemas.js";
export type * from "./types.js";
