/**
 * Runs of the orchestrator: synchronous (`POST /api/runs`), streamed as server-sent events
 * (`POST /api/runs/stream`: one `event: <type>` per step, then `end`, or `error` then `end`),
 * and the stored messages of a thread. A client that goes away aborts its run.
 */
import { createHash, randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { isAIMessage, isBaseMessage, isToolMessage, type BaseMessage } from "@langchain/core/messages";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { StepEvent } from "../../../graphs/orchestrator/events.js";
import { OrchestratorError, OrchestratorInputError } from "../../../graphs/orchestrator/errors.js";
import { streamSteps } from "../../../graphs/orchestrator/stream.js";
import { presentedKey, requireApiKey } from "../auth.js";
import type { ServerContext } from "../context.js";
import { HttpError, parseRequest } from "../errors.js";
import { runBody, threadParams, type RunRequest } from "../schemas.js";

const HEARTBEAT_MS = 15_000;

/** A failed run as the API shows it: the project's own message and the typed fields, never upstream text. */
interface RunFailure {
  httpStatus: number;
  code: string;
  message: string;
  failure?: Record<string, unknown>;
}

/** Public description of a failed run; unexpected errors keep their details in the server log. */
function runFailure(err: unknown, requestId: string): RunFailure {
  if (err instanceof OrchestratorInputError) return { httpStatus: 400, code: "invalid_input", message: err.message };
  if (err instanceof OrchestratorError) {
    const { kind, status, provider, requestId: upstreamRequestId, tier } = err;
    return { httpStatus: 502, code: "run_failed", message: err.message, failure: { kind, tier, status, provider, requestId: upstreamRequestId } };
  }
  return { httpStatus: 500, code: "internal_error", message: `The run failed unexpectedly; the details are in the server log (request ${requestId}).` };
}

/** The body of an `error` event or response for `failure`. */
const failureBody = (f: RunFailure) => ({ code: f.code, message: f.message, ...(f.failure ? { failure: f.failure } : {}) });

/** Aborts `controller` when the client closes the connection before the response is finished. */
function abortOnDisconnect(res: ServerResponse, controller: AbortController): void {
  res.on("close", () => {
    if (!res.writableFinished) controller.abort();
  });
}

const inputOf = (body: RunRequest) => ({ ...(body.task ? { task: body.task } : {}), ...(body.messages ? { messages: body.messages } : {}) });

/** Writes one SSE frame, waiting for the socket to drain when its buffer is full. */
async function writeEvent(res: ServerResponse, event: string, data: unknown): Promise<void> {
  if (res.destroyed || res.writableEnded) return;
  const ok = res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  if (!ok) await new Promise<void>((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

const ROLE: Record<string, string> = { human: "user", ai: "assistant", system: "system", tool: "tool" };

/** A stored message as the API shows it. */
function messageView(m: BaseMessage) {
  return {
    role: ROLE[m.getType()] ?? m.getType(),
    content: m.text,
    ...(isAIMessage(m) && m.tool_calls?.length ? { toolCalls: m.tool_calls.map((c) => ({ id: c.id, name: c.name, args: c.args })) } : {}),
    ...(isToolMessage(m) ? { toolCallId: m.tool_call_id, name: m.name } : {}),
  };
}

/** Registers /api/runs, /api/runs/stream and /api/threads/:id. */
export async function runRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  const auth = requireApiKey(ctx.config.server.apiKey);
  // Two runs on one thread at once would interleave its checkpoints.
  const busy = new Set<string>();
  // Runs in flight, so closing the server ends open streams instead of waiting for them.
  const running = new Set<AbortController>();
  app.addHook("preClose", async () => {
    for (const controller of running) controller.abort();
  });
  const limits = ctx.config.server;
  // Runs in flight per client (API key, else address), for the concurrency cap.
  const inFlight = new Map<string, number>();
  const clientOf = (request: FastifyRequest) => {
    const key = limits.apiKey ? presentedKey(request, "x-api-key") : undefined;
    return key ? `key:${createHash("sha256").update(key).digest("hex").slice(0, 16)}` : `ip:${request.ip}`;
  };
  const routeOptions = {
    preHandler: auth,
    config: { rateLimit: { max: limits.runLimits.max, timeWindow: limits.runLimits.windowMs, keyGenerator: clientOf } },
  };

  /** Refuses a run on a thread that already holds too much; the client should start a new thread. */
  const checkThreadSize = async (threadId: string, adding: number) => {
    const snapshot = await ctx.graph.getState({ configurable: { thread_id: threadId } });
    const messages = ((snapshot.values as { messages?: BaseMessage[] }).messages ?? []).filter(isBaseMessage);
    const bytes = messages.reduce((n, m) => n + Buffer.byteLength(m.text), 0);
    const { maxMessages, maxBytes } = limits.threadLimits;
    if (messages.length + adding > maxMessages || bytes > maxBytes) {
      throw new HttpError(
        409,
        "thread_full",
        `This thread holds ${messages.length} messages (${bytes} bytes of text); the limits are ${maxMessages} messages and ${maxBytes} bytes. Start a new thread.`,
      );
    }
  };

  /**
   * Starts a run's bookkeeping: validates the body, applies the per-client concurrency cap (503)
   * and the thread size limit (409), claims the thread (409 when busy) and registers an abort
   * controller. `steps` runs it; `release` must be called when it ends.
   */
  const beginRun = async (request: FastifyRequest, reply: FastifyReply) => {
    const body = parseRequest(runBody, request.body);
    // A client that may write system or assistant turns into a thread can put words in the model's mouth.
    const foreign = body.messages?.findIndex((m) => m.role !== "user") ?? -1;
    if (foreign >= 0 && !limits.allowClientRoles) {
      throw new HttpError(400, "invalid_request", `Invalid request: messages.${foreign}.role must be user (set ALLOW_CLIENT_ROLES=true to accept system and assistant messages).`, [
        { path: `messages.${foreign}.role`, message: "must be user" },
      ]);
    }
    const client = clientOf(request);
    const active = inFlight.get(client) ?? 0;
    if (active >= limits.runLimits.concurrency) {
      reply.header("retry-after", "1");
      throw new HttpError(503, "too_many_runs", `This client already has ${active} runs in progress (RUN_CONCURRENCY_MAX=${limits.runLimits.concurrency}); retry when one has finished.`);
    }
    const threadId = body.threadId ?? randomUUID();
    if (busy.has(threadId)) throw new HttpError(409, "thread_busy", "A run is already in progress on this thread; wait for it to finish.");
    busy.add(threadId);
    inFlight.set(client, active + 1);
    const controller = new AbortController();
    running.add(controller);
    const release = () => {
      busy.delete(threadId);
      running.delete(controller);
      const left = (inFlight.get(client) ?? 1) - 1;
      if (left > 0) inFlight.set(client, left);
      else inFlight.delete(client);
    };
    try {
      if (body.threadId) await checkThreadSize(threadId, (body.messages?.length ?? 0) + (body.task ? 1 : 0));
    } catch (err) {
      release();
      throw err;
    }
    return {
      threadId,
      controller,
      steps: (tokens: boolean) =>
        streamSteps(inputOf(body), { graph: ctx.graph, threadId, tier: body.tier, routingMode: body.routingMode, signal: controller.signal, tokens }),
      release,
    };
  };

  app.post("/api/runs", routeOptions, async (request, reply: FastifyReply) => {
    const { threadId, controller, steps, release } = await beginRun(request, reply);
    abortOnDisconnect(reply.raw, controller);
    const collected: StepEvent[] = [];
    try {
      for await (const event of steps(false)) collected.push(event);
    } catch (err) {
      if (controller.signal.aborted) {
        request.log.info({ threadId }, "run aborted: the client disconnected");
        return reply;
      }
      request.log.warn({ err, threadId }, "run failed");
      const failure = runFailure(err, String(request.id));
      throw new HttpError(failure.httpStatus, failure.code, failure.message, undefined, failure.failure);
    } finally {
      release();
    }
    const final = collected.find((e) => e.type === "final_answer");
    const route = collected.find((e) => e.type === "route_decided");
    const usage = collected.find((e) => e.type === "usage");
    const strip = <T extends { type: string }>(e: T | undefined) => {
      if (!e) return null;
      const { type: _type, ...rest } = e;
      return rest;
    };
    return {
      threadId,
      result: strip(final),
      route: strip(route),
      usage: strip(usage),
      escalations: collected.filter((e) => e.type === "escalation").map(strip),
      simulated: ctx.runtime.simulated,
    };
  });

  app.post("/api/runs/stream", routeOptions, async (request, reply) => {
    const { threadId, controller, steps, release } = await beginRun(request, reply);
    const res = reply.raw;
    reply.hijack();
    abortOnDisconnect(res, controller);
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      // The client's "Connection: close" is honoured; otherwise the connection stays open.
      connection: /\bclose\b/i.test(String(request.headers.connection ?? "")) ? "close" : "keep-alive",
      "x-accel-buffering": "no",
      "x-thread-id": threadId,
    });
    const started = performance.now();
    let outcome = "completed";
    const heartbeat = setInterval(() => {
      if (!res.writableEnded) res.write(": ping\n\n");
    }, HEARTBEAT_MS);
    try {
      await writeEvent(res, "run_started", { threadId, simulated: ctx.runtime.simulated });
      for await (const event of steps(true)) {
        if (controller.signal.aborted) break;
        await writeEvent(res, event.type, event);
      }
      await writeEvent(res, "end", { threadId, elapsedMs: Math.round(performance.now() - started) });
    } catch (err) {
      if (controller.signal.aborted) {
        outcome = "aborted";
        request.log.info({ threadId }, "streamed run aborted: the client disconnected");
      } else {
        outcome = "failed";
        request.log.warn({ err, threadId }, "streamed run failed");
        await writeEvent(res, "error", failureBody(runFailure(err, String(request.id))));
        await writeEvent(res, "end", { threadId, elapsedMs: Math.round(performance.now() - started) });
      }
    } finally {
      clearInterval(heartbeat);
      release();
      if (!res.writableEnded) res.end();
      // A hijacked reply skips Fastify's own request line.
      request.log.info({ method: "POST", path: "/api/runs/stream", statusCode: 200, ms: Math.round(performance.now() - started), outcome }, "stream completed");
    }
  });

  app.get("/api/threads/:id", { preHandler: auth }, async (request) => {
    const { id } = parseRequest(threadParams, request.params);
    const snapshot = await ctx.graph.getState({ configurable: { thread_id: id } });
    const values = snapshot.values as { messages?: BaseMessage[]; run?: { result?: unknown; route?: unknown; error?: unknown } };
    const messages = values.messages ?? [];
    if (messages.length === 0) throw new HttpError(404, "thread_not_found", "No messages are stored for this thread.");
    const run = values.run;
    return { threadId: id, messages: messages.map(messageView), result: run?.result ?? null, route: run?.route ?? null, error: run?.error ?? null };
  });
}
