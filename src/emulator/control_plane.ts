/**
 * The emulator's HTTP control plane (`/_emulator/*`), so a separate process (benchmarks,
 * end-to-end tests) can script answers, inject faults and read counters. It has no auth:
 * the emulator binds to loopback, and this must never be exposed beyond it.
 */
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { isFaultKind } from "./faults.js";
import { BodyTooLargeError, readBody, sendJson } from "./http_util.js";
import type { EmulatorHandle, ScriptedResponse } from "./types.js";
import { openAIError } from "./validation.js";

/** Path prefix of the control plane. */
export const CONTROL_PREFIX = "/_emulator";

/** The handle operations the control plane exposes. */
export type ControlTarget = Pick<EmulatorHandle, "stats" | "resetStats" | "enqueueResponse" | "enqueueFault" | "setTokenEndpointDown" | "revokeAllTokens">;

function bad(res: ServerResponse, message: string): void {
  sendJson(res, 400, openAIError(message, "invalid_request_error", "invalid_control_request"));
}

async function jsonBody(req: IncomingMessage, res: ServerResponse): Promise<Record<string, unknown> | undefined> {
  let raw: Buffer;
  try {
    raw = await readBody(req);
  } catch (err) {
    if (err instanceof BodyTooLargeError) sendJson(res, 413, openAIError("Request body too large.", "invalid_request_error", "request_too_large"), { connection: "close" });
    return undefined;
  }
  if (raw.length === 0) return {};
  try {
    const parsed: unknown = JSON.parse(raw.toString("utf8"));
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // Reported below.
  }
  bad(res, "The control-plane body must be a JSON object.");
  return undefined;
}

const optionalNumber = (v: unknown) => v === undefined || (typeof v === "number" && Number.isFinite(v) && v >= 0);

/** Checks a ScriptedResponse received over HTTP; returns an error message or undefined. */
export function scriptProblem(body: Record<string, unknown>): string | undefined {
  if (body.content !== undefined && typeof body.content !== "string") return "'content' must be a string.";
  if (body.finishReason !== undefined && !["stop", "length", "tool_calls"].includes(body.finishReason as string)) {
    return "'finishReason' must be stop, length or tool_calls.";
  }
  if (body.toolCalls !== undefined) {
    if (!Array.isArray(body.toolCalls)) return "'toolCalls' must be an array.";
    for (const call of body.toolCalls as { id?: unknown; name?: unknown; arguments?: unknown }[]) {
      if (typeof call?.name !== "string" || typeof call.arguments !== "string") return "each tool call needs string 'name' and 'arguments'.";
      if (call.id !== undefined && typeof call.id !== "string") return "a tool call 'id' must be a string.";
    }
  }
  if (body.usage !== undefined) {
    const u = body.usage as Record<string, unknown> | null;
    if (typeof u !== "object" || u === null) return "'usage' must be an object.";
    if (typeof u.prompt_tokens !== "number" || typeof u.completion_tokens !== "number") return "'usage' needs numeric prompt_tokens and completion_tokens.";
    if (!optionalNumber(u.cached_tokens) || !optionalNumber(u.reasoning_tokens)) return "usage details must be numbers.";
  }
  return undefined;
}

/** Header carrying the control-plane token. */
export const CONTROL_TOKEN_HEADER = "x-emulator-token";

/** Whether `req` carries `token` (compared in constant time). */
function hasToken(req: IncomingMessage, token: string): boolean {
  const given = req.headers[CONTROL_TOKEN_HEADER];
  if (typeof given !== "string") return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Handles a request under CONTROL_PREFIX; `path` has no trailing slash. Every route needs the token. */
export async function handleControl(req: IncomingMessage, res: ServerResponse, path: string, target: ControlTarget, token: string): Promise<void> {
  if (!hasToken(req, token)) {
    sendJson(res, 401, openAIError(`The control plane needs the emulator's token in the ${CONTROL_TOKEN_HEADER} header.`, "invalid_request_error", "control_token_required"));
    return;
  }
  const route = `${req.method ?? "GET"} ${path.slice(CONTROL_PREFIX.length)}`;
  switch (route) {
    case "GET /stats":
      sendJson(res, 200, target.stats());
      return;
    case "GET /health":
      sendJson(res, 200, { ok: true, simulated: true });
      return;
    case "POST /reset-stats":
      target.resetStats();
      sendJson(res, 200, { ok: true });
      return;
    case "POST /revoke-tokens":
      target.revokeAllTokens();
      sendJson(res, 200, { ok: true });
      return;
    case "POST /script": {
      const body = await jsonBody(req, res);
      if (!body) return;
      const problem = scriptProblem(body);
      if (problem) return bad(res, problem);
      target.enqueueResponse(body as ScriptedResponse);
      sendJson(res, 200, { ok: true });
      return;
    }
    case "POST /fault": {
      const body = await jsonBody(req, res);
      if (!body) return;
      if (!isFaultKind(body.kind)) return bad(res, `Unknown fault kind ${JSON.stringify(body.kind)}.`);
      if (!optionalNumber(body.retryAfterSeconds) || !optionalNumber(body.retryAfterMs) || !optionalNumber(body.status)) {
        return bad(res, "retryAfterSeconds, retryAfterMs and status must be non-negative numbers.");
      }
      target.enqueueFault(body.kind, {
        retryAfterSeconds: body.retryAfterSeconds as number | undefined,
        retryAfterMs: body.retryAfterMs as number | undefined,
        status: body.status as number | undefined,
      });
      sendJson(res, 200, { ok: true });
      return;
    }
    case "POST /token-endpoint": {
      const body = await jsonBody(req, res);
      if (!body) return;
      if (typeof body.down !== "boolean") return bad(res, "'down' must be a boolean.");
      target.setTokenEndpointDown(body.down);
      sendJson(res, 200, { ok: true });
      return;
    }
    default:
      sendJson(res, 404, openAIError(`Unknown control-plane route: ${route}.`, "invalid_request_error", "not_found"));
  }
}
