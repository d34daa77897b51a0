/**
 * The cheapest real check of a provider's settings: list its models. For the gateway this is
 * the client's `verifyCredentials()` (fresh token + model list); for the others one GET on the
 * vendor's models endpoint. Never throws, and no message carries a secret.
 */
import { request, type Dispatcher } from "undici";
import { AIGatewayClient, type VerifyTokenDetails } from "../gateway/index.js";
import { registerSecret, scrubText, scrubValues } from "../logging/index.js";
import { networkCode } from "./classify.js";
import { GATEWAY_DESCRIPTOR, fallbackDescriptorOf, type FallbackProviderDescriptor, type FallbackProviderSettings, type ModelsProbe } from "./descriptors/index.js";
import { secretsOf, type GatewayProviderSettings, type ProviderSettings } from "./settings.js";
import type { ProviderName } from "./types.js";

/** Outcome of a verification. */
export interface VerifyOutcome {
  ok: boolean;
  latencyMs: number;
  /** Models the provider listed (when it says). */
  modelCount?: number;
  error?: { code: string; message: string };
  /** Gateway only: auth method, metadata document, granted scope, expiry and audience of the token (never the token). */
  token?: VerifyTokenDetails;
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

/** The request `verifyProvider` sends for a non-gateway provider (exported for tests and docs). */
export function modelsProbe(provider: Exclude<ProviderName, "gateway">, settings: FallbackProviderSettings): ModelsProbe {
  return fallbackDescriptorOf(provider).probe(settings);
}

/** Checks `settings` of `provider` by listing its models. Never throws. */
export async function verifyProvider(provider: ProviderName, settings: ProviderSettings, options: VerifyOptions = {}): Promise<VerifyOutcome> {
  if (provider !== "gateway") return verifyFallbackProvider(fallbackDescriptorOf(provider), settings as FallbackProviderSettings, options);
  const s = settings as GatewayProviderSettings;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const outcome = await caught(GATEWAY_DESCRIPTOR.label, s.gateway.baseUrl, timeoutMs, () => verifyGateway(s, options, timeoutMs));
  return scrubUntrusted(outcome, settings, options);
}

/** Checks a fallback provider, described by `d`, with one GET on its models endpoint. Never throws. */
export async function verifyFallbackProvider(d: FallbackProviderDescriptor, settings: FallbackProviderSettings, options: VerifyOptions = {}): Promise<VerifyOutcome> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const keyVar = d.env.apiKey?.name;
  const outcome = await caught(d.label, settings.baseUrl ?? d.defaultBaseUrl, timeoutMs, async (elapsed) => {
    if ("apiKey" in settings && !options.untrusted) registerSecret(settings.apiKey);
    if (d.hasApiKey && !("apiKey" in settings && settings.apiKey)) {
      return { ok: false, latencyMs: 0, error: { code: "missing_credentials", message: `${d.label} has no API key: set ${keyVar}.` } };
    }
    const probe = d.probe(settings);
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
    return { ok: false, latencyMs: elapsed(), error: statusError(d.label, keyVar, status) };
  });
  return scrubUntrusted(outcome, settings, options);
}

/** Runs a check; a thrown error becomes an outcome that names `label` and the host of `baseUrl`. */
async function caught(label: string, baseUrl: string | undefined, timeoutMs: number, check: (elapsed: () => number) => Promise<VerifyOutcome>): Promise<VerifyOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    return await check(elapsed);
  } catch (err) {
    return { ok: false, latencyMs: elapsed(), error: transportError(label, baseUrl, err, timeoutMs) };
  }
}

function scrubUntrusted(outcome: VerifyOutcome, settings: ProviderSettings, options: VerifyOptions): VerifyOutcome {
  if (!options.untrusted || !outcome.error) return outcome;
  return { ...outcome, error: { ...outcome.error, message: scrubValues(outcome.error.message, secretsOf(settings)) } };
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
    return {
      ok: result.ok,
      latencyMs: result.latencyMs,
      modelCount: result.ok ? result.modelCount : undefined,
      error: result.error,
      ...(result.token ? { token: result.token } : {}),
    };
  } finally {
    if (owned) await client.close();
  }
}

function statusError(label: string, keyVar: string | undefined, status: number): { code: string; message: string } {
  if (status === 401 || status === 403) {
    const fix = keyVar ? ` Check ${keyVar}.` : "";
    return { code: "auth", message: `${label} rejected the credentials (${status}).${fix}` };
  }
  if (status === 429) return { code: "rate_limited", message: `${label} is rate limiting this key (429); try again later.` };
  if (status === 404) return { code: "http_404", message: `${label} has no models endpoint at the configured base URL (404). Check the base URL.` };
  return { code: `http_${status}`, message: `${label} answered ${status} to a model list request.` };
}

function transportError(label: string, base: string | undefined, err: unknown, timeoutMs: number): { code: string; message: string } {
  let host = "(unknown host)";
  try {
    host = new URL(base ?? "").host;
  } catch {
    // keep the placeholder
  }
  const code = networkCode(err);
  const name = (err as { name?: string } | undefined)?.name;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EAI_NONAME" || code === "EAI_NODATA" || code === "EAI_FAIL") {
    return { code: "dns", message: `Could not resolve the host '${host}' of ${label}. Check the URL, the DNS or the VPN.` };
  }
  if (code === "ECONNREFUSED") {
    return { code: "connection_refused", message: `Connection to ${label} at '${host}' was refused. Is it running, and is the URL right?` };
  }
  if (name === "TimeoutError" || name === "AbortError" || code?.includes("TIMEOUT")) {
    return { code: "timeout", message: `${label} at '${host}' did not answer within ${timeoutMs} ms.` };
  }
  const detail = err instanceof Error ? scrubText(err.message) : "unknown error";
  return { code: code ? code.toLowerCase() : "network_error", message: `Request to ${label} at '${host}' failed: ${detail}` };
}
