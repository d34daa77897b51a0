/**
 * describeModelFailure: what a failed model call means, as a small record the orchestrator can
 * act on (escalate to another tier or not) and store in state, events and checkpoints.
 *
 * Upstream text never gets in: error messages and bodies may echo a request, a prompt or an API
 * key. The record holds a kind, our own fixed one-line message, and only values that pass a
 * strict shape check (status, code, request id). Errors are read by the traits every client
 * library shares (status, code, class name), as in classify.ts.
 */
import {
  AIGatewayAbortError,
  AIGatewayAuthError,
  AIGatewayConfigError,
  AIGatewayError,
  AIGatewayNetworkError,
  AIGatewayStreamError,
  AIGatewayTimeoutError,
} from "../gateway/index.js";
import { scrubText } from "../logging/index.js";
import { ProviderSkippedError } from "./breaker.js";
import { errorName, errorStatus, NETWORK_MESSAGE, networkCode } from "./classify.js";
import { fallbackSetupVars, sdkErrorNames } from "./descriptors/index.js";
import { AllProvidersFailedError, failureAnnotation } from "./fallback_engine.js";

/** Every kind of model failure, from the caller's point of view. */
export const MODEL_FAILURE_KINDS = [
  "auth",
  "forbidden",
  "bad_request",
  "quota",
  "content_filter",
  "model_not_found",
  "context_length",
  "rate_limited",
  "server_error",
  "timeout",
  "token_timeout",
  "stream_cut",
  "network",
  "aborted",
  "no_provider",
  "internal",
] as const;

/** One of MODEL_FAILURE_KINDS. */
export type ModelFailureKind = (typeof MODEL_FAILURE_KINDS)[number];

/** What a failed model call means, without any upstream text. */
export interface ModelFailure {
  kind: ModelFailureKind;
  /** Our own one-line message: what happened and what to do. Never upstream text. */
  message: string;
  /** HTTP status, if a response was received. */
  status?: number;
  /** Machine code (the server's, the library's or ours), only when it has a safe shape. */
  code?: string;
  /** Provider name (gateway, openai, anthropic, google, ollama) when known. */
  provider?: string;
  /** Request id to quote to the provider's operators, only when it has a safe shape. */
  requestId?: string;
  /** True when part of the answer had already been streamed to the caller before it failed. */
  partialOutput?: boolean;
}

const CODE_SHAPE = /^[A-Za-z0-9_.:-]{1,64}$/;
const REQUEST_ID_SHAPE = /^[A-Za-z0-9_.:-]{1,128}$/;
const NAME_SHAPE = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
// Shapes of credentials that could pass the character check (an upstream may echo a key as a "code").
const KEY_PREFIX = /^(sk|pk|rk|ak)[-_]|^(AIza|ghp_|gho_|xox[abp]-|eyJ)/i;
const LONG_RUN = /[A-Za-z0-9]{24,}/;

const QUOTA_CODES = new Set(["insufficient_quota", "quota_exceeded", "budget_exceeded", "gateway_budget_exceeded", "gateway_quota_exceeded"]);
const CONTENT_FILTER_CODES = new Set(["content_filter", "content_policy_violation", "content_filtered"]);
const CONTEXT_CODES = new Set(["context_length_exceeded"]);
const NOT_FOUND_CODES = new Set(["model_not_found"]);
// Besides undici's and Node's names, each provider descriptor lists its SDK's.
const ABORT_NAMES = new Set(["AbortError", "ModelAbortError", ...sdkErrorNames("abort")]);
const TIMEOUT_NAMES = new Set(["TimeoutError", "HeadersTimeoutError", "BodyTimeoutError", ...sdkErrorNames("timeout")]);
const NETWORK_NAMES = new Set(["ConnectTimeoutError", "SocketError", ...sdkErrorNames("network")]);
const TIMEOUT_NET_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);
// Our own gateway client names the operation in its transport errors; that is the only token-phase marker.
const TOKEN_PHASE_MESSAGE = /\bthe (token endpoint|OAuth2 issuer)\b/;

/** Advice for the token endpoint's RFC 6749 error codes (and the token source's own). */
const TOKEN_CODE_ADVICE: Record<string, string> = {
  invalid_client: "Check AI_GATEWAY_CLIENT_ID and AI_GATEWAY_CLIENT_SECRET, and AI_GATEWAY_AUTH_METHOD.",
  unauthorized_client: "The OAuth2 client may not use the client-credentials grant; ask the gateway's operators.",
  invalid_scope: "Check AI_GATEWAY_SCOPE.",
  invalid_target: "Check AI_GATEWAY_RESOURCE and AI_GATEWAY_AUDIENCE.",
  invalid_grant: "Check the gateway's OAuth2 client settings.",
  invalid_request: "Check the gateway's OAuth2 client settings (AI_GATEWAY_SCOPE, AI_GATEWAY_RESOURCE, AI_GATEWAY_AUDIENCE).",
  unsupported_grant_type: "The identity provider does not allow the client-credentials grant for this client.",
  missing_credentials: "Set AI_GATEWAY_CLIENT_ID and AI_GATEWAY_CLIENT_SECRET, or AI_GATEWAY_API_KEY.",
  missing_token_url: "Set AI_GATEWAY_TOKEN_URL, AI_GATEWAY_ISSUER or AI_GATEWAY_BASE_URL.",
  issuer_metadata: "Check AI_GATEWAY_ISSUER, or set AI_GATEWAY_TOKEN_URL.",
  invalid_token_response: "Check AI_GATEWAY_TOKEN_URL: it does not look like an OAuth2 token endpoint.",
};

/** Advice for the gateway client's configuration and protocol errors (AIGatewayConfigError codes). */
const CONFIG_CODE_ADVICE: Record<string, string> = {
  insecure_http: "A gateway, token or issuer URL uses plain http to a non-loopback host: use https, or set AI_GATEWAY_ALLOW_INSECURE_HTTP=true (development only).",
  issuer_metadata_not_found: "The issuer publishes no OAuth2 metadata where expected: check AI_GATEWAY_ISSUER, or set AI_GATEWAY_TOKEN_URL.",
  issuer_metadata_invalid: "The issuer's metadata is not valid OAuth2 metadata: check AI_GATEWAY_ISSUER, or set AI_GATEWAY_TOKEN_URL.",
  issuer_mismatch: "The metadata names another issuer: set AI_GATEWAY_ISSUER to exactly the issuer it names.",
  issuer_metadata: "Check AI_GATEWAY_ISSUER, or set AI_GATEWAY_TOKEN_URL.",
  invalid_token_response: "Check AI_GATEWAY_TOKEN_URL: it does not look like an OAuth2 token endpoint.",
  tls_client_certificate_required: "The gateway requires a client certificate: set AI_GATEWAY_TLS_CERT and AI_GATEWAY_TLS_KEY.",
  tls_client_certificate_rejected: "The gateway refused the client certificate: check AI_GATEWAY_TLS_CERT and AI_GATEWAY_TLS_KEY.",
  apim_subscription_key_missing: 'Azure API Management wants a subscription key: send it with AI_GATEWAY_HEADERS={"Ocp-Apim-Subscription-Key":"${APIM_KEY}"}.',
  apim_subscription_key_invalid: "Azure API Management refused the subscription key: check its value in AI_GATEWAY_HEADERS and that its subscription is active.",
};

/** Facts read off an error, all shape-checked. */
interface Facts {
  status?: number;
  /** Every code-like value the error carries (server code, error type, network code), raw, for matching. */
  codes: string[];
  /** The one code reported, shape-checked. */
  code?: string;
  requestId?: string;
  provider?: string;
  partialOutput?: boolean;
  name?: string;
}

/**
 * Describes `err` (anything a provider's chat model threw) as a ModelFailure. Pure: reads the
 * error and the annotations of the fallback loop, never its message (see the file comment).
 */
export function describeModelFailure(err: unknown, signal?: AbortSignal): ModelFailure {
  if (err instanceof AllProvidersFailedError) return describeAllFailed(err, signal);
  const facts = readFacts(err);
  return build(kindOf(err, facts, signal), facts, err instanceof ProviderSkippedError ? "breaker" : undefined);
}

function describeAllFailed(err: AllProvidersFailedError, signal?: AbortSignal): ModelFailure {
  if (signal?.aborted) return build("aborted", {});
  if (err.attempts.length === 0) return build("no_provider", {});
  const errors = Array.isArray(err.errors) ? err.errors : [];
  if (errors.length === 0) {
    // Every provider was skipped by its open breaker: an outage seen earlier, still cooling down.
    return build("server_error", { provider: err.attempts[0].provider, code: "skipped" }, "breaker");
  }
  const last = errors[errors.length - 1];
  const facts = readFacts(last);
  // The last real error belongs to the last provider that was really tried.
  const tried = err.attempts.filter((a) => a.code !== "skipped");
  facts.provider ??= tried[tried.length - 1]?.provider;
  const failure = build(kindOf(last, facts, signal), facts);
  if (err.attempts.length > 1) failure.message += ` Every provider in line failed (${err.attempts.length} tried); this was the last one's error.`;
  return failure;
}

function kindOf(err: unknown, f: Facts, signal?: AbortSignal): ModelFailureKind {
  if (signal?.aborted || err instanceof AIGatewayAbortError || (f.name && ABORT_NAMES.has(f.name))) return "aborted";
  if (err instanceof ProviderSkippedError) return "server_error";
  const has = (set: Set<string>) => f.codes.some((c) => set.has(c));
  if (f.name === "ContextOverflowError" || has(CONTEXT_CODES)) return "context_length";
  if (has(QUOTA_CODES) || f.status === 402) return "quota";
  if (has(CONTENT_FILTER_CODES)) return "content_filter";
  // Only the token endpoint and the API's 401/403 raise these; the token endpoint's status
  // (400, 401, even 404 from a wrong URL) says nothing about the model.
  if (err instanceof AIGatewayAuthError) return f.status === 403 ? "forbidden" : "auth";
  // A wrong setting fails the same on every tier and every retry, like rejected credentials.
  if (err instanceof AIGatewayConfigError) return "auth";
  if (has(NOT_FOUND_CODES) || f.status === 404) return "model_not_found";
  // The token endpoint hangs or cannot be reached: every tier uses the same identity provider.
  if (err instanceof AIGatewayTimeoutError && err.phase === "token") return "token_timeout";
  if ((err instanceof AIGatewayTimeoutError || err instanceof AIGatewayNetworkError) && TOKEN_PHASE_MESSAGE.test(err.message)) {
    return "token_timeout";
  }
  if (f.status === 403 || f.name === "PermissionDeniedError") return "forbidden";
  if (f.status === 401 || f.name === "AuthenticationError") return "auth";
  // A transport failure after part of the answer was shown is a cut answer, whatever broke it.
  const transport = transportKind(err, f);
  if (transport) return f.partialOutput && transport !== "stream_cut" ? "stream_cut" : transport;
  // A 2xx whose body is not JSON: the server (or a proxy in front of it) answered garbage.
  if (err instanceof AIGatewayError && err.code === "invalid_response") return "server_error";
  return f.status !== undefined ? statusKind(f.status) : "internal";
}

function transportKind(err: unknown, f: Facts): ModelFailureKind | undefined {
  if (err instanceof AIGatewayStreamError) return "stream_cut";
  if (err instanceof AIGatewayTimeoutError) return err.phase === "connect" ? "network" : "timeout";
  if (err instanceof AIGatewayNetworkError) return "network";
  if (err instanceof AIGatewayError) return undefined;
  if (f.status !== undefined) return undefined;
  const net = networkCode(err);
  if (net) return TIMEOUT_NET_CODES.has(net) ? "timeout" : "network";
  if (f.name && TIMEOUT_NAMES.has(f.name)) return "timeout";
  if (f.name && NETWORK_NAMES.has(f.name)) return "network";
  // The Gemini client rewraps fetch failures as text and keeps no code: the one place text is read.
  const message = err instanceof Error ? err.message : "";
  return NETWORK_MESSAGE.test(message) ? "network" : undefined;
}

function statusKind(status: number): ModelFailureKind {
  if (status === 429) return "rate_limited";
  if (status === 408 || status >= 500) return "server_error";
  if (status >= 400) return "bad_request";
  return "internal";
}

function readFacts(err: unknown): Facts {
  const annotation = failureAnnotation(err);
  // A library wrapper (ContextOverflowError.fromError) keeps the response's details on its cause.
  const cause = err instanceof Error && err.cause && typeof err.cause === "object" ? err.cause : undefined;
  const sources = cause ? [err, cause] : [err];
  const codes: string[] = [];
  let status: number | undefined;
  let requestId: string | undefined;
  for (const e of sources) {
    status ??= errorStatus(e);
    codes.push(...codesOf(e));
    requestId ??= safeRequestId(requestIdOf(e));
  }
  const net = networkCode(err);
  if (net) codes.push(net);
  const code = codes.map(safeCode).find((c) => c !== undefined);
  const provider =
    annotation?.provider ?? (err instanceof ProviderSkippedError ? err.provider : err instanceof AIGatewayError ? "gateway" : undefined);
  return { status, codes, code, requestId, provider, partialOutput: annotation?.partialOutput, name: nameOf(err) };
}

/** Code-like fields of the client libraries: `code` (gateway, openai), `type` (openai, anthropic), `error.type`, `error.code`. */
function codesOf(err: unknown): string[] {
  if (!err || typeof err !== "object") return [];
  const e = err as { code?: unknown; type?: unknown; error?: unknown };
  const nested = e.error && typeof e.error === "object" ? (e.error as { code?: unknown; type?: unknown; error?: unknown }) : undefined;
  const deeper = nested?.error && typeof nested.error === "object" ? (nested.error as { code?: unknown; type?: unknown }) : undefined;
  return [e.code, e.type, nested?.code, nested?.type, deeper?.code, deeper?.type].filter((v): v is string => typeof v === "string" && v !== "");
}

function requestIdOf(err: unknown): unknown {
  if (!err || typeof err !== "object") return undefined;
  const e = err as { requestId?: unknown; requestID?: unknown; request_id?: unknown };
  return e.requestId ?? e.requestID ?? e.request_id;
}

/** The error's (or its class's) name, when it has a safe shape. */
function nameOf(err: unknown): string | undefined {
  const name = errorName(err);
  return name !== undefined && NAME_SHAPE.test(name) && !looksLikeSecret(name) ? name : undefined;
}

function looksLikeSecret(value: string): boolean {
  return KEY_PREFIX.test(value) || scrubText(value) !== value;
}

function safeCode(value: string): string | undefined {
  return CODE_SHAPE.test(value) && !looksLikeSecret(value) && !LONG_RUN.test(value) ? value : undefined;
}

function safeRequestId(value: unknown): string | undefined {
  return typeof value === "string" && REQUEST_ID_SHAPE.test(value) && !looksLikeSecret(value) ? value : undefined;
}

function build(kind: ModelFailureKind, f: Partial<Facts>, variant?: "breaker"): ModelFailure {
  const failure: ModelFailure = { kind, message: "" };
  if (f.status !== undefined) failure.status = f.status;
  if (f.code !== undefined) failure.code = f.code;
  if (f.provider !== undefined) failure.provider = f.provider;
  if (f.requestId !== undefined) failure.requestId = f.requestId;
  if (f.partialOutput) failure.partialOutput = true;
  failure.message = messageFor(kind, failure, variant, f.name);
  return failure;
}

/** The fixed message of each kind; only shape-checked fields are filled in. */
function messageFor(kind: ModelFailureKind, f: Omit<ModelFailure, "kind" | "message">, variant?: "breaker", name?: string): string {
  const gateway = f.provider === "gateway";
  // The token source's own code: the identity provider failed, not the gateway's API.
  const tokenEndpoint = gateway && f.code === "token_endpoint_unavailable";
  const who = f.provider === undefined ? "The model provider" : tokenEndpoint ? "The gateway's token endpoint" : gateway ? "The AI gateway" : `Provider '${f.provider}'`;
  // The gateway client's fallback code `http_<status>` would only repeat the status.
  const code = f.code === `http_${f.status}` ? undefined : f.code;
  const detail = [f.status, code].filter((v) => v !== undefined).join(" ");
  const d = detail ? ` (${detail})` : "";
  const rid = f.requestId ? ` Request id: ${f.requestId}.` : "";
  const tail = (text: string) => text + rid;
  switch (kind) {
    case "auth": {
      const configAdvice = f.code ? CONFIG_CODE_ADVICE[f.code] : undefined;
      if (gateway && configAdvice) return tail(`The AI gateway's connection settings are wrong${d}. ${configAdvice}`);
      const advice = f.code ? TOKEN_CODE_ADVICE[f.code] : undefined;
      if (gateway && advice) return tail(`The gateway rejected the client credentials${d}. ${advice}`);
      if (gateway) return tail(`The AI gateway rejected the credentials${d}. Check the OAuth2 client's access to the gateway (AI_GATEWAY_SCOPE, AI_GATEWAY_RESOURCE) or AI_GATEWAY_API_KEY.`);
      return tail(`${who} rejected the API key${d}. Check the key configured for it.`);
    }
    case "forbidden":
      return tail(`${who} refused access${d}: the credentials are valid but not allowed this model or endpoint. Ask its operators for access or choose another model.`);
    case "bad_request":
      return tail(`${who} rejected the request as invalid${d}. Another tier would reject it too; check the messages, tools and parameters sent.`);
    case "quota":
      return tail(`${who} reports that the quota or budget is used up${d}. Wait for it to reset or raise the limit.`);
    case "content_filter":
      return tail(`${who}'s content filter blocked the request or the answer${d}. Rephrase the task.`);
    case "model_not_found":
      return tail(`${who} does not serve the requested model${d}. Check the tier's model id (AI_GATEWAY_<TIER>_MODEL or TIERS_CONFIG).`);
    case "context_length":
      return tail(`The input is longer than the model's context window${d}. Shorten the conversation or use a model with a larger context.`);
    case "rate_limited":
      return tail(`${who} is rate limiting this client${d}. Try again later.`);
    case "server_error":
      if (variant === "breaker") return `${who} is skipped: its circuit breaker is open after repeated failures. Try again once it has cooled down.`;
      return tail(`${who} failed with a server error${d}. Try again later.`);
    case "timeout":
      return tail(`${who} did not answer in time${d}. Try again later${gateway ? ", or raise AI_GATEWAY_HEADERS_TIMEOUT_MS / AI_GATEWAY_IDLE_TIMEOUT_MS" : ""}.`);
    case "token_timeout":
      return `The gateway's token endpoint did not answer in time or could not be reached${d}. Check that the identity provider is reachable (VPN, AI_GATEWAY_TOKEN_URL) or raise AI_GATEWAY_TOKEN_TIMEOUT_MS.`;
    case "stream_cut":
      return tail(`${who}'s stream was cut off before the answer was complete${d}${f.partialOutput ? ", after part of it had been streamed" : ""}. Try again.`);
    case "network":
      return tail(`${who} could not be reached${d}. Check the network, VPN and proxy settings, and the configured URL.`);
    case "aborted":
      return "The model call was cancelled.";
    case "no_provider":
      return `No model provider is configured for this tier. Set the AI_GATEWAY_* variables, or ${fallbackSetupVars()}.`;
    case "internal":
      return `The model call failed unexpectedly${name ? ` (${name})` : ""}.`;
  }
}
