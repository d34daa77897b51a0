/**
 * Decides what a provider's error means for fallback. Errors from five client libraries
 * (our gateway client, openai, @anthropic-ai/sdk, @google/generative-ai, ollama) are read by
 * their common traits — HTTP status, error name, network error code — rather than by class.
 */
import { AIGatewayAuthError, AIGatewayError } from "../gateway/index.js";
import { sdkErrorNames } from "./descriptors/index.js";

/**
 * - `outage`: the provider is unreachable or failing (network, DNS, timeout, 5xx, 429 after
 *   retries, auth, a 2xx body that cannot be read). Counts against its circuit breaker; the
 *   next provider is tried.
 * - `unavailable`: this provider cannot serve the request (404: no such model there). The
 *   next provider is tried, but the breaker is not charged: the service itself is up.
 * - `caller`: the request itself is at fault (400, 422, abort, a parse error in our code). Retrying it
 *   elsewhere would fail the same way, so it is rethrown.
 */
export type FailureKind = "outage" | "unavailable" | "caller";

const NETWORK_CODES = new Set([
  "ENOTFOUND",
  "EAI_AGAIN",
  "EAI_NODATA",
  "EAI_NONAME",
  "EAI_FAIL",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_CLOSED",
]);

// Names of undici and Node; the SDKs' own come from the provider descriptors.
const OUTAGE_NAMES = new Set([
  "TimeoutError",
  "ConnectTimeoutError",
  "HeadersTimeoutError",
  "BodyTimeoutError",
  "SocketError",
  ...sdkErrorNames("network"),
  ...sdkErrorNames("timeout"),
  ...sdkErrorNames("outage"),
]);

const CALLER_NAMES = new Set(["AbortError", "ModelAbortError", "OutputParserException", "ZodError", "ContextOverflowError", ...sdkErrorNames("abort")]);

/** Messages of libraries that drop the error's cause (the Gemini client rewraps fetch errors as text). */
export const NETWORK_MESSAGE = /fetch failed|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|socket hang up|other side closed|Connection error|network error/i;

/** The error's name, or its class name when the library left `name` as plain "Error" (the openai SDK does). */
export function errorName(err: unknown): string | undefined {
  if (!err || typeof err !== "object") return undefined;
  const name = (err as { name?: unknown }).name;
  if (typeof name === "string" && name !== "Error") return name;
  const ctor = (err as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof ctor === "string" && ctor !== "Object" ? ctor : typeof name === "string" ? name : undefined;
}

/** HTTP status carried by an error of any of the client libraries, if any. */
export function errorStatus(err: unknown): number | undefined {
  if (!err || typeof err !== "object") return undefined;
  const e = err as { status?: unknown; statusCode?: unknown; status_code?: unknown; response?: { status?: unknown } };
  for (const v of [e.status, e.statusCode, e.status_code, e.response?.status]) {
    if (typeof v === "number" && v >= 100 && v < 600) return v;
  }
  return undefined;
}

/** First Node/undici error code found along the cause chain. */
export function networkCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e && typeof e === "object"; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && NETWORK_CODES.has(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Classifies `err` for the fallback decision; see FailureKind. */
export function classifyFailure(err: unknown, signal?: AbortSignal): FailureKind {
  if (signal?.aborted) return "caller";
  if (err instanceof AIGatewayError) {
    if (err.code === "aborted") return "caller";
    // Rejected credentials (token endpoint 400/401 invalid_client, API 401/403) are this provider's problem.
    if (err instanceof AIGatewayAuthError || err.status === undefined) return "outage";
    // An error on a 2xx answer (a body that is not JSON: a proxy's login page) means the gateway
    // accepted the request and then failed it: the next provider may well answer.
    if (err.status < 300) return "outage";
    return statusKind(err.status);
  }
  const name = errorName(err);
  if (name && CALLER_NAMES.has(name)) return "caller";
  const status = errorStatus(err);
  if (status !== undefined) return statusKind(status);
  if (networkCode(err)) return "outage";
  if (name && OUTAGE_NAMES.has(name)) return "outage";
  const message = err instanceof Error ? err.message : typeof err === "string" ? err : "";
  if (NETWORK_MESSAGE.test(message)) return "outage";
  // Anything else (a TypeError in a converter, a schema error) is a bug or a bad request:
  // hiding it behind another provider would only repeat it there.
  return "caller";
}

function statusKind(status: number): FailureKind {
  if (status >= 500 || status === 429 || status === 408 || status === 401 || status === 403) return "outage";
  if (status === 404) return "unavailable";
  return "caller";
}

/** A short machine-readable code for logs and status: the gateway code, the network code, `http_<status>`, or the error name. */
export function failureCode(err: unknown): string {
  if (err instanceof AIGatewayError) return err.code;
  const net = networkCode(err);
  if (net) return net;
  const status = errorStatus(err);
  if (status !== undefined) return `http_${status}`;
  const name = errorName(err);
  return name && name !== "Error" ? name : "error";
}
