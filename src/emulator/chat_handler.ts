/**
 * POST /v1/chat/completions: validation, fault injection, the simulated (or scripted) answer,
 * and its delivery as JSON or SSE with simulated latency. Authentication and body parsing
 * happen in the server before this runs.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ChatCompletionChunk } from "../gateway/wire.js";
import { completionBody, completionChunks, withoutFinishReason, type CompletionMeta } from "./completion_format.js";
import type { FaultPlan, FaultSpec, HeaderFaultKind } from "./faults.js";
import { destroyAfterHeaders, headerFlag, headerNumber, sendJson, sleep } from "./http_util.js";
import { scriptedCompletion, simulateCompletion, type SimulatedCompletion } from "./simulated_model.js";
import { SSE_HEADERS, SseWriter, type SsePacing } from "./sse.js";
import type { ScriptedResponse } from "./types.js";
import { openAIError, validateChatRequest } from "./validation.js";

/** What the chat handler needs from the server. */
export interface ChatContext {
  models: ReadonlySet<string>;
  faults: FaultPlan;
  scripts: ScriptedResponse[];
  latency: { ttftMs: number; perTokenMs: number };
  slowHeadersMs: number;
  stallMs: number | undefined;
  retryAfterSeconds: number;
  /** False answers streaming requests with JSON too (a gateway without SSE). */
  sse: boolean;
  /** Aborts when the server closes. */
  closing: AbortSignal;
  countFault(kind: string): void;
  countClientAbort(): void;
}

/** Error bodies of the injectable HTTP error faults, in the OpenAI shape. */
const ERROR_FAULTS: Record<string, { status: number; message: string; type: string; code: string | null }> = {
  "429": { status: 429, message: "Rate limit reached for requests (simulated by the AI-gateway emulator). Retry after the indicated time.", type: "requests", code: "rate_limit_exceeded" },
  "500": { status: 500, message: "The server had an error while processing your request (simulated by the AI-gateway emulator).", type: "server_error", code: null },
  "502": { status: 502, message: "Bad gateway: the upstream model did not answer (simulated by the AI-gateway emulator).", type: "server_error", code: "bad_gateway" },
  "503": { status: 503, message: "The service is temporarily overloaded (simulated by the AI-gateway emulator).", type: "server_error", code: "service_unavailable" },
};

/** The error event of the "stream-error" header fault, exactly as documented. */
const STREAM_ERROR = { error: { message: "simulated upstream failure", type: "server_error", code: "upstream_error" } };

/**
 * Answers an HTTP error fault (429/5xx) or drops the connection ("reset"). Returns true when the
 * request is finished; "slow-headers" waits and returns false so the normal answer follows.
 */
export async function applyHttpFault(
  req: IncomingMessage,
  res: ServerResponse,
  fault: FaultSpec,
  opts: { retryAfterSeconds: number; slowHeadersMs: number; signal: AbortSignal },
): Promise<boolean> {
  const error = ERROR_FAULTS[fault.kind];
  if (error) {
    const headers: Record<string, string> = {};
    const retryAfter = fault.retryAfterSeconds ?? (fault.kind === "429" ? opts.retryAfterSeconds : undefined);
    if (retryAfter !== undefined) headers["retry-after"] = String(retryAfter);
    if (fault.retryAfterMs !== undefined) headers["retry-after-ms"] = String(fault.retryAfterMs);
    sendJson(res, fault.status ?? error.status, openAIError(error.message, error.type, error.code), headers);
    return true;
  }
  if (fault.kind === "reset") {
    req.socket.destroy();
    return true;
  }
  if (fault.kind === "slow-headers") return !(await sleep(opts.slowHeadersMs, opts.signal));
  return false;
}

/** Per-request `x-emulator-*` overrides. */
interface RequestKnobs {
  answerTokens?: number;
  pacing: SsePacing;
  crlf: boolean;
  comments: boolean;
  splitUtf8: boolean;
}

function requestKnobs(req: IncomingMessage, ctx: ChatContext): RequestKnobs {
  const answerTokens = headerNumber(req, "x-emulator-answer-tokens");
  return {
    answerTokens: answerTokens === undefined ? undefined : Math.max(1, Math.floor(answerTokens)),
    pacing: {
      firstDelayMs: headerNumber(req, "x-emulator-ttft-ms") ?? ctx.latency.ttftMs,
      betweenMs: headerNumber(req, "x-emulator-per-token-ms") ?? ctx.latency.perTokenMs,
    },
    crlf: headerFlag(req, "x-emulator-sse-crlf"),
    comments: headerFlag(req, "x-emulator-sse-comments"),
    splitUtf8: headerFlag(req, "x-emulator-split-utf8"),
  };
}

/** Handles one chat completion whose body was parsed and whose caller was authenticated. */
export async function handleChat(
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
  headerFault: HeaderFaultKind | undefined,
  ctx: ChatContext,
): Promise<void> {
  const validation = validateChatRequest(body, ctx.models);
  if (!validation.ok) {
    sendJson(res, validation.status, validation.body);
    return;
  }
  const request = validation.request;
  const stream = request.stream === true && ctx.sse;
  const knobs = requestKnobs(req, ctx);

  // Aborts when the client goes away or the server closes, so no timer outlives its socket.
  const aborter = new AbortController();
  const onClosing = () => aborter.abort();
  ctx.closing.addEventListener("abort", onClosing, { once: true });
  let selfTerminated = false;
  res.on("close", () => {
    ctx.closing.removeEventListener("abort", onClosing);
    if (stream && !res.writableEnded && !selfTerminated && !ctx.closing.aborted) ctx.countClientAbort();
    aborter.abort();
  });

  let fault = ctx.faults.nextForChat(headerFault);
  if (fault?.kind === "token-endpoint-down") fault = undefined;
  if (fault) ctx.countFault(fault.kind);
  if (fault) {
    if (fault.kind === "reset") selfTerminated = true;
    const done = await applyHttpFault(req, res, fault, { retryAfterSeconds: ctx.retryAfterSeconds, slowHeadersMs: ctx.slowHeadersMs, signal: aborter.signal });
    if (done || aborter.signal.aborted) return;
    if (fault.kind === "slow-headers") fault = undefined;
  }

  // A fault that delivers no content leaves the scripted answer queued for the client's retry.
  const script = fault?.kind === "cut-before-first-token" ? undefined : ctx.scripts.shift();
  const result = script
    ? scriptedCompletion(script, request)
    : simulateCompletion(request, { answerTokens: knobs.answerTokens, multibyte: knobs.splitUtf8 });
  const meta: CompletionMeta = { id: `chatcmpl-${randomBytes(12).toString("hex")}`, created: Math.floor(Date.now() / 1000), model: request.model };
  const markSelfTerminated = () => {
    selfTerminated = true;
  };

  if (!stream) {
    await respondJson(res, result, meta, fault, knobs, ctx, aborter.signal, markSelfTerminated);
    return;
  }
  const includeUsage = request.stream_options?.include_usage === true;
  await respondStream(res, result, meta, includeUsage, fault, knobs, ctx, aborter.signal, markSelfTerminated);
}

/** Keeps a socket open without writing; gives up after `stallMs` when configured. */
function stall(res: ServerResponse, ctx: ChatContext, signal: AbortSignal, markSelfTerminated: () => void): void {
  if (ctx.stallMs === undefined) return;
  void sleep(ctx.stallMs, signal).then((elapsed) => {
    if (!elapsed) return;
    markSelfTerminated();
    res.socket?.destroy();
  });
}

async function respondJson(
  res: ServerResponse,
  result: SimulatedCompletion,
  meta: CompletionMeta,
  fault: FaultSpec | undefined,
  knobs: RequestKnobs,
  ctx: ChatContext,
  signal: AbortSignal,
  markSelfTerminated: () => void,
): Promise<void> {
  switch (fault?.kind) {
    case "stall":
      res.writeHead(200, { "content-type": "application/json" });
      res.flushHeaders();
      stall(res, ctx, signal, markSelfTerminated);
      return;
    case "cut-before-first-token":
    case "cut-after-first-token":
      markSelfTerminated();
      destroyAfterHeaders(res, 200, { "content-type": "application/json" });
      return;
    case "malformed-chunk":
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{not json");
      return;
    case "stream-error":
      sendJson(res, 500, STREAM_ERROR);
      return;
    default:
      if (!(await sleep(knobs.pacing.firstDelayMs, signal))) return;
      sendJson(res, 200, completionBody(result, meta));
  }
}

async function respondStream(
  res: ServerResponse,
  result: SimulatedCompletion,
  meta: CompletionMeta,
  includeUsage: boolean,
  fault: FaultSpec | undefined,
  knobs: RequestKnobs,
  ctx: ChatContext,
  signal: AbortSignal,
  markSelfTerminated: () => void,
): Promise<void> {
  if (fault?.kind === "cut-before-first-token") {
    markSelfTerminated();
    destroyAfterHeaders(res, 200, { ...SSE_HEADERS });
    return;
  }
  res.writeHead(200, { ...SSE_HEADERS });
  res.flushHeaders();
  const writer = new SseWriter(res, { crlf: knobs.crlf, comments: knobs.comments, splitUtf8: knobs.splitUtf8 }, signal);
  const plan = completionChunks(result, meta, includeUsage);
  const json = (c: ChatCompletionChunk) => JSON.stringify(c);
  const firstDelta = json(withoutFinishReason(plan.deltas[0]));

  switch (fault?.kind) {
    case "cut-after-first-token":
      // A clean end of body with no finish_reason and no [DONE]: only a careful client notices.
      await writer.send([json(plan.role), firstDelta], knobs.pacing, true);
      return;
    case "stall":
      if (await writer.send([json(plan.role), firstDelta], knobs.pacing, false)) stall(res, ctx, signal, markSelfTerminated);
      return;
    case "malformed-chunk":
      await writer.send([json(plan.role), "{not json"], knobs.pacing, true);
      return;
    case "stream-error":
      await writer.send([json(plan.role), firstDelta, JSON.stringify(STREAM_ERROR)], knobs.pacing, true);
      return;
    default: {
      const events = [json(plan.role), ...plan.deltas.map(json)];
      if (plan.usage) events.push(json(plan.usage));
      events.push("[DONE]");
      await writer.send(events, knobs.pacing, true);
    }
  }
}
