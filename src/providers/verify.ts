/**
 * The cheapest real check of a provider's settings: list its models. For the gateway this is
 * the client's `verifyCredentials()` (fresh token + model list); for the others one GET on the
 * vendor's models endpoint. Never throws, and no message carries a secret.
 */
import { request, type Dispatcher } from "undici";
import { AIGatewayClient } from "../gateway/index.js";
import { registerSecret, scrubText, scrubValues } from "../logging/index.js";
import { networkCode } from "./classify.js";
import {
  DEFAULT_BASE_URLS,
  secretsOf,
  type ApiKeyProviderSettings,
  type GatewayProviderSettings,
  type OllamaProviderSettings,
  type ProviderSettings,
} from "./settings.js";
import type { ProviderName } from "./types.js";

/** Outcome of a verification. */
export interface VerifyOutcome {
  ok: boolean;
  latencyMs: number;
  /** Models the provider listed (when it says). */
  modelCount?: number;
  error?: { code: string; message: string };
}

/** Options of `verifyProvider`. */
export interface VerifyOptions {
  /** Gateway client to check (the registry's); otherwise one is built from the settings and closed after. */
  gatewayClient?: AIGatewayClient;
  /** Time allowed for the whole check; default 10 s. */
  timeoutMs?: number;
  /** undici dispatcher for the vendor requests (tests, proxies). */
  dispatcher?: Dispatcher;
  /**
   * The settings are credentials under test from a caller (not configured ones): register none of
   * their secrets with the log redactor, and scrub their values from this outcome instead.
   */
  untrusted?: boolean;
}


const LABEL: Record<ProviderName, string> = {
  gateway: "The AI gateway",
  openai: "OpenAI",
  anthropic: "Anthropic",
  google: "Google Gemini",
  ollama: "Ollama",
};

const KEY_VAR: Partial<Record<ProviderName, string>> = { openai: "OPENAI_API_KEY", anthropic: "ANTHROPIC_API_KEY", google: "GOOGLE_API_KEY" };

/** How a vendor's models endpoint is called. */
interface Probe {
  url: string;
  headers: Record<string, string>;
  /** Number of models in the body, if the vendor's shape is known. */
  count: (body: unknown) => number | undefined;
}

/** The request `verifyProvider` sends for a non-gateway provider (exported for tests and docs). */
export function modelsProbe(provider: Exclude<ProviderName, "gateway">, settings: ApiKeyProviderSettings | OllamaProviderSettings): Probe {
  const base = (settings.baseUrl ?? DEFAULT_BASE_URLS[provider]).replace(/\/+$/, "");
  const key = "apiKey" in settings ? (settings.apiKey ?? "") : "";
  const list = (field: string) => (body: unknown) => {
    const v = (body as Record<string, unknown> | undefined)?.[field];
    return Array.isArray(v) ? v.length : undefined;
  };
  switch (provider) {
    case "openai":
      return { url: `${base}/models`, headers: { authorization: `Bearer ${key}` }, count: list("data") };
    case "anthropic":
      return { url: `${base}/v1/models?limit=1000`, headers: { "x-api-key": key, "anthropic-version": "2023-06-01" }, count: list("data") };
    case "google":
      return { url: `${base}/v1beta/models?pageSize=1000`, headers: { "x-goog-api-key": key }, count: list("models") };
    case "ollama":
      return { url: `${base}/api/tags`, headers: {}, count: list("models") };
  }
}

/** Checks `settings` of `provider` by listing its models. Never throws. */
export async function verifyProvider(provider: ProviderName, settings: ProviderSettings, options: VerifyOptions = {}): Promise<VerifyOutcome> {
  const outcome = await verifyOnce(provider, settings, options);
  if (!options.untrusted || !outcome.error) return outcome;
  return { ...outcome, error: { ...outcome.error, message: scrubValues(outcome.error.message, secretsOf(settings)) } };
}

async function verifyOnce(provider: ProviderName, settings: ProviderSettings, options: VerifyOptions): Promise<VerifyOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const timeoutMs = options.timeoutMs ?? 10_000;
  try {
    if (provider === "gateway") return await verifyGateway(settings as GatewayProviderSettings, options, timeoutMs);
    const s = settings as ApiKeyProviderSettings | OllamaProviderSettings;
    if ("apiKey" in s && !options.untrusted) registerSecret(s.apiKey);
    if (provider !== "ollama" && !(s as ApiKeyProviderSettings).apiKey) {
      return { ok: false, latencyMs: 0, error: { code: "missing_credentials", message: `${LABEL[provider]} has no API key: set ${KEY_VAR[provider]}.` } };
    }
    const probe = modelsProbe(provider, s);
    const res = await request(probe.url, {
      method: "GET",
      headers: { accept: "application/json", ...probe.headers },
      signal: AbortSignal.timeout(timeoutMs),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      dispatcher: options.dispatcher,
    });
    const status = res.statusCode;
    if (status >= 200 && status < 300) {
      const body = (await res.body.json().catch(() => undefined)) as unknown;
      return { ok: true, latencyMs: elapsed(), modelCount: probe.count(body) };
    }
    await res.body.dump().catch(() => undefined);
    return { ok: false, latencyMs: elapsed(), error: statusError(provider, status) };
  } catch (err) {
    return { ok: false, latencyMs: elapsed(), error: transportError(provider, settings, err, timeoutMs) };
  }
}

async function verifyGateway(s: GatewayProviderSettings, options: VerifyOptions, timeoutMs: number): Promise<VerifyOutcome> {
  let client = options.gatewayClient;
  let owned = false;
  if (!client) {
    try {
      client = AIGatewayClient.fromConfig(s.gateway, { redactSecrets: !options.untrusted });
      owned = true;
    } catch (err) {
      const e = err as { code?: string; message?: string };
      return { ok: false, latencyMs: 0, error: { code: e.code ?? "invalid_settings", message: scrubText(e.message ?? String(err)) } };
    }
  }
  try {
    const result = await client.verifyCredentials({ signal: AbortSignal.timeout(timeoutMs), maxRetries: 0 });
    return { ok: result.ok, latencyMs: result.latencyMs, modelCount: result.ok ? result.modelCount : undefined, error: result.error };
  } finally {
    if (owned) await client.close();
  }
}

function statusError(provider: ProviderName, status: number): { code: string; message: string } {
  if (status === 401 || status === 403) {
    const fix = KEY_VAR[provider] ? ` Check ${KEY_VAR[provider]}.` : "";
    return { code: "auth", message: `${LABEL[provider]} rejected the credentials (${status}).${fix}` };
  }
  if (status === 429) return { code: "rate_limited", message: `${LABEL[provider]} is rate limiting this key (429); try again later.` };
  if (status === 404) return { code: "http_404", message: `${LABEL[provider]} has no models endpoint at the configured base URL (404). Check the base URL.` };
  return { code: `http_${status}`, message: `${LABEL[provider]} answered ${status} to a model list request.` };
}

function transportError(provider: ProviderName, settings: ProviderSettings, err: unknown, timeoutMs: number): { code: string; message: string } {
  let host = "(unknown host)";
  try {
    const base = "gateway" in settings ? settings.gateway.baseUrl : settings.baseUrl ?? DEFAULT_BASE_URLS[provider as Exclude<ProviderName, "gateway">];
    host = new URL(base ?? "").host;
  } catch {
    // keep the placeholder
  }
  const code = networkCode(err);
  const name = (err as { name?: string } | undefined)?.name;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EAI_NONAME" || code === "EAI_NODATA" || code === "EAI_FAIL") {
    return { code: "dns", message: `Could not resolve the host '${host}' of ${LABEL[provider]}. Check the URL, the DNS or the VPN.` };
  }
  if (code === "ECONNREFUSED") {
    return { code: "connection_refused", message: `Connection to ${LABEL[provider]} at '${host}' was refused. Is it running, and is the URL right?` };
  }
  if (name === "TimeoutError" || name === "AbortError" || code?.includes("TIMEOUT")) {
    return { code: "timeout", message: `${LABEL[provider]} at '${host}' did not answer within ${timeoutMs} ms.` };
  }
  const detail = err instanceof Error ? scrubText(err.message) : "unknown error";
  return { code: code ? code.toLowerCase() : "network_error", message: `Request to ${LABEL[provider]} at '${host}' failed: ${detail}` };
}
