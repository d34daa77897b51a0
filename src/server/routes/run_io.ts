/**
 * How a run reaches an HTTP client, shared by new runs and resumed threads: the run service
 * decides (tenant, thread, limits, claim, budgets) and this file answers with one JSON body at
 * the end or with server-sent events (one `event: <type>` per step, then `end`, or `error` then
 * `end`). A refusal is an HTTP status before any event. A client that goes away aborts its run.
 * Failures show the project's own message and typed fields, never upstream text.
 */
import { createHash } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from "fastify";
import type { StepEvent } from "../../../graphs/orchestrator/events.js";
import { BudgetExceededError, OrchestratorError, OrchestratorInputError, RunSupersededError, ThreadBusyError } from "../../../graphs/orchestrator/errors.js";
import { isAdmin, presentedKey, tenantOf } from "../auth.js";
import type { ServerContext } from "../context.js";
import { HttpError, STORE_BUSY_MESSAGE } from "../errors.js";
import { isStoreBusy } from "../../../graphs/sqlite_guard.js";
import { RunRefusedError } from "../../runs/errors.js";
import type { RunCaller, RunRequest, StartedRun } from "../../runs/service.js";
import { inCallersTrace } from "../../telemetry/index.js";

const HEARTBEAT_MS = 15_000;

/** A failed run as the API shows it. */
export interface RunFailure {
  httpStatus: number;
  /** Seconds after which trying again may succeed. */
  retryAfterSeconds?: number;
  code: string;
  message: string;
  failure?: Record<string, unknown>;
}

/** Public description of a failed run; unexpected errors keep their details in the server log. */
export function runFailure(err: unknown, requestId: string): RunFailure {
  if (isStoreBusy(err)) return { httpStatus: 503, code: "store_busy", message: STORE_BUSY_MESSAGE, retryAfterSeconds: 1 };
  if (err instanceof RunRefusedError) return { httpStatus: err.status, code: err.code, message: err.message, ...(err.retryAfterSeconds !== undefined ? { retryAfterSeconds: err.retryAfterSeconds } : {}) };
  if (err instanceof ThreadBusyError) return { httpStatus: 409, code: "thread_busy", message: err.message };
  if (err instanceof RunSupersededError) return { httpStatus: 409, code: "run_superseded", message: err.message };
  if (err instanceof BudgetExceededError) {
    const { scope, budgetName: name, period, spentUsd, limitUsd, resetsAt } = err;
    return { httpStatus: 429, code: "budget_exceeded", message: err.message, failure: { scope, name, period, spentUsd, limitUsd, resetsAt: new Date(resetsAt).toISOString() } };
  }
  if (err instanceof OrchestratorInputError) return { httpStatus: 400, code: "invalid_input", message: err.message };
  if (err instanceof OrchestratorError) {
    const { kind, status, failureCode: code, provider, requestId: upstreamRequestId, tier } = err;
    return { httpStatus: 502, code: "run_failed", message: err.message, failure: { kind, tier, status, code, provider, requestId: upstreamRequestId } };
  }
  return { httpStatus: 500, code: "internal_error", message: `The run failed unexpectedly; the details are in the server log (request ${requestId}).` };
}

const failureBody = (f: RunFailure) => ({ code: f.code, message: f.message, ...(f.failure ? { failure: f.failure } : {}) });

/** Aborts `controller` when the client closes the connection before the response is finished. */
function abortOnDisconnect(res: ServerResponse, controller: AbortController): void {
  res.on("close", () => {
    if (!res.writableFinished) controller.abort();
  });
}

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

/** The steps of one run: the request as the run service takes it, and who asks. */
export interface RunAsk {
  caller: RunCaller;
  request: Omit<RunRequest, "signal" | "tokens">;
}

/** Answers runs over HTTP through `ctx.runs`; one per server. */
export function runExecutor(ctx: ServerContext) {
  const limits = ctx.config.server;
  // Runs in flight, so closing the server ends open streams instead of waiting for them.
  const running = new Set<AbortController>();

  /** The client a request comes from, for its limits: a hash of its API key, else its address. */
  const clientOf = (request: FastifyRequest) => {
    const key = limits.apiKey || Object.keys(limits.tenantKeys).length > 0 || limits.adminApiKey ? presentedKey(request, "x-api-key") : undefined;
    return key ? `key:${createHash("sha256").update(key).digest("hex").slice(0, 16)}` : `ip:${request.ip}`;
  };

  /** Who a request is: its key's tenant (or the default tenant), the body's user, its client for the limits. */
  const callerOf = (request: FastifyRequest, user?: string): RunCaller => {
    const client = clientOf(request);
    return { tenant: tenantOf(request), user, client, admin: isAdmin(request), approver: `api:${client}` };
  };

  /** Starts the run, or throws the HttpError of its refusal. */
  const begin = async (request: FastifyRequest, reply: FastifyReply, ask: RunAsk, controller: AbortController, tokens: boolean): Promise<StartedRun> => {
    try {
      return await ctx.runs.begin(ask.caller, { ...ask.request, signal: controller.signal, tokens });
    } catch (err) {
      if (controller.signal.aborted && !(err instanceof RunRefusedError)) throw new HttpError(499, "client_closed", "The client went away before its run started.");
      const failure = runFailure(err, String(request.id));
      if (failure.httpStatus === 500) request.log.warn({ err }, "run could not start");
      if (failure.retryAfterSeconds !== undefined) reply.header("retry-after", String(failure.retryAfterSeconds));
      throw new HttpError(failure.httpStatus, failure.code, failure.message, undefined, failure.failure);
    }
  };

  /** Runs to the end and answers with one JSON body (the result, or what the thread waits for). */
  const respondJson = async (request: FastifyRequest, reply: FastifyReply, ask: RunAsk) => {
    const controller = new AbortController();
    running.add(controller);
    try {
      // A client that hangs up while its run waits for the thread leaves the queue.
      abortOnDisconnect(reply.raw, controller);
      const run = await begin(request, reply, ask, controller, false);
      const threadId = run.threadId;
      const collected: StepEvent[] = [];
      try {
        for await (const event of run.events) collected.push(event);
      } catch (err) {
        if (controller.signal.aborted && !(err instanceof RunSupersededError)) {
          request.log.info({ threadId }, "run aborted: the client disconnected");
          return reply;
        }
        if (err instanceof RunSupersededError) request.log.info({ threadId, mode: err.mode }, "run stopped by a newer run");
        else request.log.warn({ err, threadId }, "run failed");
        const failure = runFailure(err, String(request.id));
        throw new HttpError(failure.httpStatus, failure.code, failure.message, undefined, failure.failure);
      }
      const strip = <T extends { type: string }>(e: T | undefined) => {
        if (!e) return null;
        const { type: _type, ...rest } = e;
        return rest;
      };
      const waiting = collected.filter((e) => e.type === "approval_required");
      return {
        threadId,
        status: waiting.length > 0 ? "waiting_for_approval" : "completed",
        result: strip(collected.find((e) => e.type === "final_answer")),
        route: strip(collected.find((e) => e.type === "route_decided")),
        usage: strip(collected.find((e) => e.type === "usage")),
        escalations: collected.filter((e) => e.type === "escalation").map(strip),
        pendingApprovals: waiting.map(strip),
        simulated: ctx.runtime.simulated,
      };
    } finally {
      running.delete(controller);
    }
  };

  /** Streams the run as server-sent events. */
  const respondSse = async (request: FastifyRequest, reply: FastifyReply, ask: RunAsk) => {
    const controller = new AbortController();
    running.add(controller);
    const res = reply.raw;
    abortOnDisconnect(res, controller);
    let run: StartedRun;
    try {
      run = await begin(request, reply, ask, controller, true);
    } catch (err) {
      running.delete(controller);
      throw err;
    }
    const threadId = run.threadId;
    reply.hijack();
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      // The client's "Connection: close" is honoured; otherwise the connection stays open.
      connection: /\bclose\b/i.test(String(request.headers.connection ?? "")) ? "close" : "keep-alive",
      "x-accel-buffering": "no",
      ...(threadId ? { "x-thread-id": threadId } : {}),
    });
    const started = performance.now();
    let outcome = "completed";
    const heartbeat = setInterval(() => {
      if (!res.writableEnded) res.write(": ping\n\n");
    }, HEARTBEAT_MS);
    try {
      await writeEvent(res, "run_started", { threadId, simulated: ctx.runtime.simulated });
      for await (const event of run.events) {
        if (controller.signal.aborted) break;
        await writeEvent(res, event.type, event);
      }
      await writeEvent(res, "end", { threadId, elapsedMs: Math.round(performance.now() - started) });
    } catch (err) {
      if (controller.signal.aborted && !(err instanceof RunSupersededError)) {
        outcome = "aborted";
        request.log.info({ threadId }, "streamed run aborted: the client disconnected");
      } else {
        outcome = err instanceof RunSupersededError ? "superseded" : "failed";
        if (err instanceof RunSupersededError) request.log.info({ threadId, mode: err.mode }, "streamed run stopped by a newer run");
        else request.log.warn({ err, threadId }, "streamed run failed");
        await writeEvent(res, "error", failureBody(runFailure(err, String(request.id))));
        await writeEvent(res, "end", { threadId, elapsedMs: Math.round(performance.now() - started) });
      }
    } finally {
      clearInterval(heartbeat);
      // A stream left early (the client went away) gives the thread back now.
      await run.events.return(undefined);
      running.delete(controller);
      if (!res.writableEnded) res.end();
      // A hijacked reply skips Fastify's own request line.
      request.log.info({ method: "POST", path: request.url.split("?")[0], statusCode: 200, ms: Math.round(performance.now() - started), outcome }, "stream completed");
    }
  };

  const abortAll = () => {
    for (const controller of running) controller.abort();
  };

  /**
   * Registers a run endpoint twice: `path` answers with one JSON body, `${path}/stream` with
   * server-sent events. Both sit behind `auth`; `ask` validates the request and says what to run
   * for whom. The run service applies every limit, per run.
   */
  const runEndpoints = (app: FastifyInstance, path: string, auth: preHandlerAsyncHookHandler, ask: (request: FastifyRequest) => Promise<RunAsk>) => {
    const options = { preHandler: auth };
    // A caller's W3C traceparent makes the run's spans part of the caller's trace.
    app.post(path, options, (request, reply) => inCallersTrace(request.headers, async () => respondJson(request, reply, await ask(request))));
    app.post(`${path}/stream`, options, (request, reply) => inCallersTrace(request.headers, async () => respondSse(request, reply, await ask(request))));
  };

  return { clientOf, callerOf, runEndpoints, abortAll };
}

/** The executor type. */
export type RunExecutor = ReturnType<typeof runExecutor>;
