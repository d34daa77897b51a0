/** Turns a non-2xx gateway response into a typed error with a message a person can act on. */
import type { Dispatcher } from "undici";
import { scrubText } from "../logging/redact.js";
import { AIGatewayAuthError, AIGatewayError, AIGatewayHTTPError, AIGatewayRateLimitError } from "./errors.js";
import { parseRetryAfter, RETRYABLE_STATUSES } from "./retry.js";
import { REQUEST_ID_HEADER, type WireErrorBody } from "./wire.js";

/** Most of an error body we read; the rest is dropped. */
const MAX_ERROR_BODY = 64 * 1024;

/**
 * The typed error for a non-2xx response. The server's message is included (scrubbed of
 * secrets), a non-JSON body (a proxy's HTML page, say) is never echoed.
 */
export async function statusError(res: Dispatcher.ResponseData, host: string): Promise<AIGatewayError> {
  const status = res.statusCode;
  const rawId = res.headers[REQUEST_ID_HEADER];
  const requestId = Array.isArray(rawId) ? rawId[0] : rawId;
  const text = await readLimited(res.body, MAX_ERROR_BODY);
  let serverMessage: string | undefined;
  let serverCode: string | undefined;
  try {
    const parsed = JSON.parse(text) as Partial<WireErrorBody> & { error_description?: string; message?: string };
    const err = parsed.error;
    if (err && typeof err === "object") {
      serverMessage = typeof err.message === "string" ? err.message : undefined;
      serverCode = typeof err.code === "string" ? err.code : typeof err.type === "string" ? err.type : undefined;
    } else if (typeof err === "string") {
      serverCode = err;
      serverMessage = parsed.error_description;
    } else if (typeof parsed.message === "string") {
      serverMessage = parsed.message;
    }
  } catch {
    // Not JSON (a proxy's HTML page, say): the status alone is reported, the body is not echoed.
  }
  const detail = serverMessage ? `: ${scrubText(serverMessage).slice(0, 500)}` : "";
  const rid = requestId ? ` (request id ${requestId})` : "";
  const retryAfterMs = parseRetryAfter(res.headers);
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
