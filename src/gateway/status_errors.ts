/** Turns a non-2xx gateway response into a typed error with a message a person can act on. */
import type { Dispatcher } from "undici";
import {
  AIGatewayAuthError,
  AIGatewayConfigError,
  AIGatewayError,
  AIGatewayHTTPError,
  AIGatewayQuotaError,
  AIGatewayRateLimitError,
  AIGatewayResponseError,
  type GatewayLimit,
} from "./errors.js";
import { firstHeader, responseRequestId } from "./response_meta.js";
import { parseRetryAfter, RETRYABLE_STATUSES } from "./retry.js";
import { quoteUpstream } from "./upstream_text.js";

/** Most of an error body we read; the rest is dropped. */
const MAX_ERROR_BODY = 64 * 1024;

/**
 * The typed error for a non-2xx response. The server's message is included (scrubbed of
 * secrets), a non-JSON body (a proxy's HTML page, say) is never echoed.
 */
export async function statusError(res: Dispatcher.ResponseData, host: string): Promise<AIGatewayError> {
  const status = res.statusCode;
  const requestId = responseRequestId(res.headers);
  const text = await readLimited(res.body, MAX_ERROR_BODY);
  const { message: serverMessage, code: serverCode } = readErrorBody(text);
  // An HTML page comes from a proxy or load balancer in front of the gateway; it is named, never echoed.
  const html = serverMessage === undefined && (/^\s*</.test(text) || /html/i.test(headerText(res.headers["content-type"])));
  const detail = serverMessage ? `: ${quoteUpstream(serverMessage, 500)}` : html ? " (an HTML page, likely from a proxy in front of it)" : "";
  const rid = requestId ? ` (request id ${requestId})` : "";
  const retryAfterMs = parseRetryAfter(res.headers);
  const limit = limitReached(status, serverCode, serverMessage);
  if (limit) {
    const what = limit === "budget" ? "the spending budget" : "the usage quota";
    return new AIGatewayQuotaError(
      `The AI gateway refused the call because ${what} of this client is used up (${status}${serverCode ? ` ${serverCode}` : ""})${detail}${rid}. ` +
        `The request itself is fine and retrying will not help: wait until the ${limit} resets, or ask the gateway's administrators to raise it.`,
      { status, limit, upstreamCode: serverCode, requestId },
    );
  }
  if (status === 401 && serverMessage !== undefined && SUBSCRIPTION_KEY_TEXT.test(serverMessage)) {
    // Azure API Management's own check, before the OAuth2 token is even looked at: a new token cannot help.
    const missing = /\bmissing\b/i.test(serverMessage);
    return new AIGatewayConfigError(
      `The AI gateway's Azure API Management refused the call: the subscription key is ${missing ? "missing" : "not valid"} (401)${detail}${rid}. ` +
        `${missing ? "Send it" : "Check its value"} with AI_GATEWAY_HEADERS, e.g. AI_GATEWAY_HEADERS={"Ocp-Apim-Subscription-Key":"\${APIM_KEY}"} ` +
        "(or the header name the API was set up with), for a subscription that is active and includes this API.",
      { status, code: missing ? "apim_subscription_key_missing" : "apim_subscription_key_invalid", variable: "AI_GATEWAY_HEADERS", requestId },
    );
  }
  if (status === 401) {
    return new AIGatewayAuthError(
      `The AI gateway rejected the access token (401${serverCode ? ` ${serverCode}` : ""})${detail}${rid}. ` +
        `Check the OAuth2 client's access to the gateway (scope/resource) or the API key.`,
      { status, code: serverCode ?? "unauthorized", requestId },
    );
  }
  if (status === 403) {
    return new AIGatewayAuthError(
      `The AI gateway refused access (403)${detail}${rid}. The client is authenticated but not allowed this model or endpoint.`,
      { status, code: serverCode ?? "forbidden", requestId },
    );
  }
  if (status === 429) {
    return new AIGatewayRateLimitError(
      `The AI gateway is rate limiting this client (429)${detail}${rid}.` +
        (retryAfterMs !== undefined ? ` It asked to wait ${Math.ceil(retryAfterMs / 1000)} s.` : ""),
      { code: serverCode, requestId, retryAfterMs },
    );
  }
  const retryable = RETRYABLE_STATUSES.has(status);
  const hint = retryable
    ? " The gateway or the model behind it is having trouble; try again later."
    : status === 404
      ? " Check the model id and AI_GATEWAY_API_PATH."
      : "";
  return new AIGatewayHTTPError(`The AI gateway answered ${status}${detail}${rid}.${hint}`, {
    status,
    code: serverCode,
    requestId,
    retryable,
    retryAfterMs,
  });
}

// Azure API Management's answers for a missing or wrong Ocp-Apim-Subscription-Key.
const SUBSCRIPTION_KEY_TEXT = /\bsubscription key\b/i;

const BUDGET_CODES = new Set(["budget_exceeded"]);
const QUOTA_CODES = new Set(["insufficient_quota", "quota_exceeded"]);
// LiteLLM: "Budget has been exceeded!", "ExceededBudget: ... over budget"; others: "budget exceeded".
const BUDGET_TEXT = /\bbudget (?:has been |was |is )?exceeded\b|\bexceeded ?budget\b|\bover budget\b/i;
// OpenAI: "You exceeded your current quota"; Google: "Quota exceeded for ..."; APIM: "Out of call volume quota".
// Azure OpenAI's "exceeded token rate limit" is throttling, which passes, and stays a rate limit.
const QUOTA_TEXT = /\bexceeded (?:your |the )?(?:current )?quota\b|\bquota (?:has been |was |is )?exceeded\b|\bout of (?:call volume |bandwidth )?quota\b/i;

/**
 * Whether a refusal says that a budget or quota is used up: by the server's code, or by its
 * words, since gateways send it under 400, 402, 403 or 429 alike. 402 Payment Required is a budget.
 */
function limitReached(status: number, code: string | undefined, message: string | undefined): GatewayLimit | undefined {
  if (status !== 400 && status !== 402 && status !== 403 && status !== 429) return undefined;
  if (code !== undefined && BUDGET_CODES.has(code)) return "budget";
  if (code !== undefined && QUOTA_CODES.has(code)) return "quota";
  if (message !== undefined && BUDGET_TEXT.test(message)) return "budget";
  if (message !== undefined && QUOTA_TEXT.test(message)) return "quota";
  return status === 402 ? "budget" : undefined;
}

// A string `error` that looks like this is a code ("invalid_token"); anything else is a sentence.
const CODE_LIKE = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * Message and code of an error body in any of the shapes gateways send: OpenAI's
 * `{error: {message, code, type}}`, RFC 6749's `{error, error_description}`, `{error: "<sentence>"}`
 * (Ollama), `{statusCode, message}` (Azure API Management), `{message}`, and Google's envelope
 * (`{error: {code: 400, message, status}}`, also wrapped in an array). Nothing for a non-JSON body.
 */
export function readErrorBody(text: string): { message?: string; code?: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON (a proxy's HTML page, say): the status alone is reported, the body is not echoed.
    return {};
  }
  if (Array.isArray(parsed)) parsed = parsed[0];
  if (!parsed || typeof parsed !== "object") return {};
  const body = parsed as { error?: unknown; error_description?: unknown; message?: unknown };
  const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  const err = body.error;
  if (err && typeof err === "object") {
    const e = err as { message?: unknown; code?: unknown; type?: unknown; status?: unknown };
    // A code that is only the HTTP status as a string (LiteLLM's "400") says less than the type beside it.
    const code = str(e.code);
    const named = code !== undefined && /^\d+$/.test(code) ? undefined : code;
    return { message: str(e.message), code: named ?? str(e.status) ?? str(e.type) ?? code };
  }
  if (typeof err === "string") {
    if (CODE_LIKE.test(err)) return { code: err, message: str(body.error_description) };
    return { message: err };
  }
  return { message: str(body.message) };
}

/**
 * The error for a 2xx answer whose body cannot be read as JSON. It is the gateway's fault (or
 * a proxy's answering in its place), so it is retried and charged to its breaker like a 5xx.
 */
export function invalidResponseError(res: Dispatcher.ResponseData, host: string): AIGatewayResponseError {
  const requestId = responseRequestId(res.headers);
  const type = headerText(res.headers["content-type"]).split(";")[0].trim();
  const what = type && !/json/i.test(type) ? `a ${type} body` : "a body that is not valid JSON";
  const page = /html/i.test(type) ? " An HTML page usually means a web proxy, SSO login or captive portal answered in the gateway's place." : "";
  return new AIGatewayResponseError(
    `The AI gateway at '${host}' answered ${res.statusCode} with ${what} where JSON was expected${requestId ? ` (request id ${requestId})` : ""}.${page} ` +
      "Check AI_GATEWAY_BASE_URL and AI_GATEWAY_API_PATH, and any proxy between this machine and the gateway.",
    { status: res.statusCode, requestId },
  );
}

function headerText(v: string | string[] | undefined): string {
  return firstHeader(v) ?? "";
}

async function readLimited(body: Dispatcher.ResponseData["body"], limit: number): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const buf = chunk as Buffer;
      size += buf.length;
      if (size > limit) break;
      parts.push(buf);
    }
  } catch {
    // A broken error body still leaves us the status code.
  } finally {
    if (!body.destroyed) body.destroy();
  }
  return Buffer.concat(parts).toString("utf8");
}
