/**
 * Turns verify and configure requests into provider settings, and enforces the rule that a
 * secret already held by the server is never sent to a URL it was not configured for: a change
 * of base URL or token URL must carry the secret again.
 */
import type { GatewayConfig } from "../config/config.js";
import { fallbackDescriptorOf } from "../providers/descriptors/index.js";
import {
  type ApiKeyProviderSettings,
  type GatewayProviderSettings,
  type OllamaProviderSettings,
  type ProviderSettingsMap,
} from "../providers/settings.js";
import type { ProviderName } from "../providers/types.js";
import type { ApiKeyOverrides, GatewayOverrides, OllamaOverrides, OverridesMap } from "./config_store.js";
import { HttpError } from "./errors.js";
import type { CredentialsMap, SettingsChangeMap } from "./schemas.js";

/** A URL taken from a request, with the request field it came from (for messages). */
export interface RequestUrl {
  field: string;
  url: string;
}

const trimSlash = (u: string): string => u.replace(/\/+$/, "");
const normalisePath = (p: string): string => {
  const inner = p.replace(/^\/+|\/+$/g, "");
  return inner === "" ? "" : `/${inner}`;
};
const orUndefined = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);

/** Applies stored overrides on top of settings (from the environment); `null` clears a field. */
export function applyOverrides<P extends ProviderName>(provider: P, base: ProviderSettingsMap[P], overrides: OverridesMap[P]): ProviderSettingsMap[P] {
  if (provider === "gateway") {
    const o = overrides as GatewayOverrides;
    const g = (base as GatewayProviderSettings).gateway;
    const pick = <K extends keyof GatewayOverrides & keyof GatewayConfig>(k: K): GatewayConfig[K] =>
      (o[k] === undefined ? g[k] : orUndefined(o[k])) as GatewayConfig[K];
    const gateway: GatewayConfig = {
      ...g,
      baseUrl: o.baseUrl ? trimSlash(o.baseUrl) : pick("baseUrl"),
      tokenUrl: pick("tokenUrl"),
      issuer: pick("issuer"),
      apiPath: typeof o.apiPath === "string" ? normalisePath(o.apiPath) : g.apiPath,
      clientId: pick("clientId"),
      clientSecret: pick("clientSecret"),
      apiKey: pick("apiKey"),
      scope: pick("scope"),
      audience: pick("audience"),
      resource: pick("resource"),
      authMethod: o.authMethod ?? g.authMethod,
    };
    return { enabled: o.enabled ?? base.enabled, gateway } as ProviderSettingsMap[P];
  }
  // A fallback provider's settings are an API key and a URL, or (no key in its descriptor) a URL alone.
  if (!fallbackDescriptorOf(provider as Exclude<ProviderName, "gateway">).hasApiKey) {
    const o = overrides as OllamaOverrides;
    const b = base as OllamaProviderSettings;
    return { enabled: o.enabled ?? b.enabled, baseUrl: o.baseUrl === undefined ? b.baseUrl : orUndefined(o.baseUrl) && trimSlash(o.baseUrl!) } as ProviderSettingsMap[P];
  }
  const o = overrides as ApiKeyOverrides;
  const b = base as ApiKeyProviderSettings;
  return {
    enabled: o.enabled ?? b.enabled,
    apiKey: o.apiKey === undefined ? b.apiKey : orUndefined(o.apiKey),
    baseUrl: o.baseUrl === undefined ? b.baseUrl : orUndefined(o.baseUrl) && trimSlash(o.baseUrl!),
  } as ProviderSettingsMap[P];
}

/** Whether stored overrides point the provider at a URL an admin gave (its calls then go through the SSRF guard). */
export function overridesHaveUrl(overrides: OverridesMap[ProviderName] | undefined): boolean {
  if (!overrides) return false;
  const o = overrides as { baseUrl?: string | null; tokenUrl?: string | null; issuer?: string | null };
  return !!o.baseUrl || !!o.tokenUrl || !!o.issuer;
}

const secretRequired = (fields: string) =>
  new HttpError(
    400,
    "secret_required",
    `Changing the base URL or token URL requires sending the secret again (${fields}): a stored secret is never sent to a new URL.`,
    [{ path: `settings.${fields.split(" ")[0]}`, message: "is required when the URL changes" }],
  );

/** The outcome of a configure request: new stored overrides, the settings they give, and the URLs to check. */
export interface PlannedChange<P extends ProviderName> {
  overrides: OverridesMap[P];
  settings: ProviderSettingsMap[P];
  urls: RequestUrl[];
}

/**
 * Plans a configure request for `provider` over its current settings and stored overrides.
 * Throws HttpError 400 when a URL changes without the secret, or the result is incomplete.
 */
export function planChange<P extends ProviderName>(
  provider: P,
  current: ProviderSettingsMap[P],
  stored: OverridesMap[P] | undefined,
  change: SettingsChangeMap[P],
  envBase: ProviderSettingsMap[P],
): PlannedChange<P> {
  const urls: RequestUrl[] = [];
  const c = change as Record<string, unknown>;
  for (const field of ["baseUrl", "tokenUrl"]) {
    if (typeof c[field] === "string") urls.push({ field: `settings.${field}`, url: c[field] as string });
  }
  let overrides: Record<string, unknown>;
  if (provider === "gateway") {
    const ch = change as SettingsChangeMap["gateway"];
    const g = (current as GatewayProviderSettings).gateway;
    const o: GatewayOverrides = { ...(stored as GatewayOverrides | undefined) };
    const baseChanged = ch.baseUrl !== undefined && trimSlash(ch.baseUrl) !== g.baseUrl;
    const tokenChanged = ch.tokenUrl !== undefined && orUndefined(ch.tokenUrl) !== g.tokenUrl;
    if ((baseChanged || tokenChanged) && !ch.clientSecret && !ch.apiKey) throw secretRequired("clientSecret or apiKey");
    for (const [k, v] of Object.entries(ch)) (o as Record<string, unknown>)[k] = v;
    if (baseChanged || tokenChanged) {
      // Secrets that were not sent again are dropped, and so are URLs that belonged to the old gateway.
      if (!ch.clientSecret) o.clientSecret = null;
      if (!ch.apiKey) o.apiKey = null;
      if (ch.tokenUrl === undefined) o.tokenUrl = null;
      o.issuer = null;
    }
    if (ch.clientSecret) o.apiKey = null;
    if (ch.apiKey) {
      o.clientId = null;
      o.clientSecret = null;
    }
    overrides = o;
  } else {
    const ch = change as SettingsChangeMap["openai"];
    const b = current as ApiKeyProviderSettings | OllamaProviderSettings;
    const descriptor = fallbackDescriptorOf(provider as Exclude<ProviderName, "gateway">);
    const vendorDefault = descriptor.defaultBaseUrl;
    const currentBase = b.baseUrl ?? vendorDefault;
    const baseChanged = ch.baseUrl !== undefined && trimSlash(ch.baseUrl ?? vendorDefault) !== trimSlash(currentBase);
    const hasKey = "apiKey" in b && !!b.apiKey;
    if (baseChanged && hasKey && !ch.apiKey) throw secretRequired("apiKey");
    overrides = { ...(stored as Record<string, unknown> | undefined) };
    for (const [k, v] of Object.entries(ch)) overrides[k] = v;
    if (baseChanged && descriptor.hasApiKey && !ch.apiKey) overrides.apiKey = null;
  }
  const settings = applyOverrides(provider, envBase, overrides as OverridesMap[P]);
  checkComplete(provider, settings);
  return { overrides: overrides as OverridesMap[P], settings, urls };
}

function checkComplete(provider: ProviderName, settings: ProviderSettingsMap[ProviderName]): void {
  if (provider !== "gateway") return;
  const g = (settings as GatewayProviderSettings).gateway;
  const fields: { path: string; message: string }[] = [];
  if (!g.baseUrl && (g.clientId || g.clientSecret || g.apiKey)) fields.push({ path: "settings.baseUrl", message: "is required with gateway credentials" });
  if (g.clientId && !g.clientSecret && !g.apiKey) fields.push({ path: "settings.clientSecret", message: "is required with clientId" });
  if (g.clientSecret && !g.clientId) fields.push({ path: "settings.clientId", message: "is required with clientSecret" });
  if (fields.length > 0) {
    throw new HttpError(400, "invalid_request", `Invalid request: ${fields.map((f) => `${f.path} ${f.message}`).join("; ")}.`, fields);
  }
}

/**
 * Settings to verify `credentials` with, without touching the registry: URLs not given are the
 * current ones, retries are off (one attempt says enough), and URLs given are returned for the guard.
 */
export function verifySettings<P extends ProviderName>(
  provider: P,
  current: ProviderSettingsMap[P],
  credentials: CredentialsMap[P],
): { settings: ProviderSettingsMap[P]; urls: RequestUrl[] } {
  const urls: RequestUrl[] = [];
  const cr = credentials as Record<string, unknown>;
  for (const field of ["baseUrl", "tokenUrl"]) {
    if (typeof cr[field] === "string") urls.push({ field: `credentials.${field}`, url: cr[field] as string });
  }
  if (provider === "gateway") {
    const c = credentials as CredentialsMap["gateway"];
    const g = (current as GatewayProviderSettings).gateway;
    const gateway: GatewayConfig = {
      ...g,
      // A new base URL brings its own token URL (default: under the base); the old ones are not mixed in.
      baseUrl: c.baseUrl ? trimSlash(c.baseUrl) : g.baseUrl,
      tokenUrl: c.baseUrl ? c.tokenUrl : g.tokenUrl,
      issuer: c.baseUrl ? undefined : g.issuer,
      apiPath: c.apiPath !== undefined ? normalisePath(c.apiPath) : g.apiPath,
      clientId: c.apiKey ? undefined : c.clientId,
      clientSecret: c.apiKey ? undefined : c.clientSecret,
      apiKey: c.apiKey,
      scope: c.scope ?? g.scope,
      audience: c.audience ?? g.audience,
      resource: c.resource ?? g.resource,
      authMethod: c.authMethod ?? g.authMethod,
      // Static headers (a subscription key, say) belong to the configured gateway, never to a URL under test.
      headers: c.baseUrl ? undefined : g.headers,
      retry: { ...g.retry, maxRetries: 0 },
    };
    return { settings: { enabled: true, gateway } as ProviderSettingsMap[P], urls };
  }
  if (!fallbackDescriptorOf(provider as Exclude<ProviderName, "gateway">).hasApiKey) {
    const c = credentials as CredentialsMap["ollama"];
    const baseUrl = c.baseUrl ? trimSlash(c.baseUrl) : (current as OllamaProviderSettings).baseUrl;
    return { settings: { enabled: true, baseUrl } as ProviderSettingsMap[P], urls };
  }
  const c = credentials as CredentialsMap["openai"];
  const baseUrl = c.baseUrl ? trimSlash(c.baseUrl) : (current as ApiKeyProviderSettings).baseUrl;
  return { settings: { enabled: true, apiKey: c.apiKey, baseUrl } as ProviderSettingsMap[P], urls };
}

/** Legacy verify body -> provider and credentials of the new shape. */
export function fromLegacy(body: { provider: ProviderName; api_key?: string; client_secret?: string; base_url?: string; token_url?: string }): {
  provider: ProviderName;
  credentials: Record<string, unknown>;
} {
  const { provider } = body;
  if (provider === "gateway") {
    // In the legacy shape api_key carries the OAuth2 client id.
    return { provider, credentials: { clientId: body.api_key, clientSecret: body.client_secret, baseUrl: body.base_url, tokenUrl: body.token_url } };
  }
  const extra: Record<string, unknown> = {};
  if (body.client_secret !== undefined) extra.clientSecret = body.client_secret;
  if (body.token_url !== undefined) extra.tokenUrl = body.token_url;
  // A provider without a key gets no apiKey field unless one was sent (which its schema then refuses).
  if (!fallbackDescriptorOf(provider).hasApiKey) return { provider, credentials: { baseUrl: body.base_url, ...(body.api_key !== undefined ? { apiKey: body.api_key } : {}), ...extra } };
  return { provider, credentials: { apiKey: body.api_key, baseUrl: body.base_url, ...extra } };
}

const GENERIC: Record<string, string> = {
  auth: "The provider rejected the credentials.",
  dns: "The provider's host name could not be resolved; check the URL, the DNS or the VPN.",
  connection_refused: "The connection to the provider was refused; check the URL and port.",
  connection_reset: "The provider closed the connection unexpectedly.",
  unreachable: "The provider is unreachable from this network.",
  timeout: "The provider did not answer in time.",
  rate_limited: "The provider is rate limiting these credentials; try again later.",
  tls: "The TLS handshake with the provider failed; check the URL and certificates.",
  redirect: "The provider answered with a redirect, which is not followed; use the final URL.",
  not_found: "The provider has no models endpoint at this URL; check the base URL and API path.",
  unsafe_url: "The provider's host resolved to a forbidden address when connecting; nothing was sent.",
  missing_credentials: "Credentials are missing.",
  invalid_settings: "The settings are incomplete or invalid.",
  not_configured: "The provider is not configured.",
  upstream_error: "The provider answered with an error.",
  network_error: "The request to the provider failed at the network level.",
  apim_subscription_key_missing: "Azure API Management asked for a subscription key; add Ocp-Apim-Subscription-Key to AI_GATEWAY_HEADERS.",
  apim_subscription_key_invalid: "Azure API Management rejected the subscription key in AI_GATEWAY_HEADERS; check it for this API.",
  gateway_budget_exceeded: "The gateway refused the call because this key's budget is spent; ask its administrators to raise it.",
  gateway_quota_exceeded: "The gateway refused the call because this key's quota is used up; wait for it to reset or ask for more.",
  verification_failed: "The provider could not be verified.",
};

const AUTH_CODES = new Set(["auth", "invalid_client", "unauthorized", "unauthorized_client", "invalid_grant", "forbidden", "invalid_scope", "invalid_target", "invalid_token", "invalid_api_key", "http_401", "http_403"]);

/**
 * A verify failure as the API reports it: one of a fixed set of codes and our own message.
 * Upstream messages and error bodies are never passed on (they could echo what was sent).
 */
export function publicVerifyError(error: { code: string } | undefined, blockedAtConnect: boolean): { code: string; message: string } {
  let code = "verification_failed";
  const raw = (error?.code ?? "").toLowerCase();
  if (blockedAtConnect) code = "unsafe_url";
  else if (AUTH_CODES.has(raw)) code = "auth";
  else if (/^http_3\d\d$/.test(raw)) code = "redirect";
  else if (raw === "http_404") code = "not_found";
  else if (raw === "http_429") code = "rate_limited";
  else if (/^http_5\d\d$/.test(raw) || raw === "token_endpoint_unavailable" || raw === "invalid_token_response") code = "upstream_error";
  else if (raw in GENERIC) code = raw;
  return { code, message: GENERIC[code] };
}
