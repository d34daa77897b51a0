/**
 * How a run reaches an HTTP client, shared by new runs and resumed threads: the per-client
 * concurrency cap and the thread claim, then either one JSON body at the end or server-sent
 * events (one `event: <type>` per step, then `end`, or `error` then `end`). A client that goes
 * away aborts its run. Failures show the project's own message and typed fields, never
 * upstream text.
 */
import { createHash } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from "fastify";
import type { StepEvent } from "../../../graphs/orchestrator/events.js";
import { BudgetExceededError, OrchestratorError, OrchestratorInputError, RunSupersededError } from "../../../graphs/orchestrator/errors.js";
import { supersededError } from "../../../graphs/orchestrator/stream.js";
import { presentedKey, tenantOf } from "../auth.js";
import type { ServerContext } from "../context.js";
import { HttpError, STORE_BUSY_MESSAGE } from "../errors.js";
import { isStoreBusy } from "../../../graphs/sqlite_guard.js";
import { stoppingAttempt, waitForClaim, type StopMode, type ThreadClaim } from "../../../graphs/thread_claims.js";
import type { MultitaskStrategy } from "../../config/index.js";
import { inCallersTrace } from "../../telemetry/index.js";

const HEARTBEAT_MS = 15_000;

/** A failed run as the API shows it. */
interface RunFailure {
  httpStatus: number;
  code: string;
  message: string;
  failure?: Record<string, unknown>;
}

/** Public description of a failed run; unexpected errors keep their details in the server log. */
function runFailure(err: unknown, requestId: string): RunFailure {
  if (isStoreBusy(err)) return { httpStatus: 503, code: "store_busy", message: STORE_BUSY_MESSAGE };
  if (err instanceof RunSupersededError) return { httpStatus: 409, code: "run_superseded", message: err.message };
  if (err instanceof BudgetExceededError) {
    const { scope, budgetName: name, period, spentUsd, limitUsd, resetsAt } = err;
    return { httpStatus: 429, code: "budget_exceeded", message: err.message, failure: { scope, name, period, spentUsd, limitUsd, resetsAt: new Date(resetsAt).toISOString() } };
  }
  if (err instanceof OrchestratorInputError) return { httpStatus: 400, code: "invalid_input", message: err.message };
  if (err instanceof OrchestratorError) {
    const { kind, status, provider, requestId: upstreamRequestId, tier } = err;
    return { httpStatus: 502, code: "run_failed", message: err.message, failure: { kind, tier, status, provider, requestId: upstreamRequestId } };
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

/** Who a run is for and where its usage goes: the key's tenant, the body's user, the store's ledger and the budgets. */
export function spendingOf(ctx: ServerContext, request: FastifyRequest, user?: string) {
  return { tenant: tenantOf(request), user, ledger: ctx.ledger, budgets: ctx.runtime.registry.tierConfig.budgets };
}

/** The steps of one run, given the abort signal and whether to include tokens. */
export type RunSteps = (signal: AbortSignal, tokens: boolean) => AsyncIterable<StepEvent>;

/** Claims threads and caps runs per client; one per server. */
export function runExecutor(ctx: ServerContext) {
  const limits = ctx.config.server;
  // Two runs on one thread at once would interleave its checkpoints.
  const busy = new Set<string>();
  // Runs in flight, so closing the server ends open streams instead of waiting for them.
  const running = new Set<AbortController>();
  // Runs in flight per client (API key, else address), for the concurrency cap.
  const inFlight = new Map<string, number>();

  /** The client a request comes from: a hash of its API key, else its address. */
  const clientOf = (request: FastifyRequest) => {
    const key = limits.apiKey || Object.keys(limits.tenantKeys).length > 0 ? presentedKey(request, "x-api-key") : undefined;
    return key ? `key:${createHash("sha256").update(key).digest("hex").slice(0, 16)}` : `ip:${request.ip}`;
  };

  // Runs waiting for a thread (enqueue), first come first served within this server.
  const queues = new Map<string, symbol[]>();
  const busyMessage = "A run is already in progress on this thread; wait for it to finish, or send multitaskStrategy: \"enqueue\" to wait your turn.";

  /** One attempt at the thread: this server's runs first, then the store's claim (every server's). */
  const attempt = async (threadId: string): Promise<ThreadClaim | undefined> => {
    if (busy.has(threadId)) return undefined;
    busy.add(threadId);
    try {
      const held = await ctx.claims.tryClaim(threadId);
      if (!held) busy.delete(threadId);
      return held;
    } catch (err) {
      busy.delete(threadId);
      throw err;
    }
  };

  /** Wakes a waiter when a claim on `threadId` is given back in this server, or the next in its queue may go. */
  const wakeOn = (threadId: string) => (listener: () => void) => ctx.claims.onRelease(threadId, listener);

  /** Waits for the thread in arrival order (bounded in number and time), until `signal` gives up. */
  const waitTurn = async (threadId: string, signal: AbortSignal): Promise<ThreadClaim> => {
    const { queueMax, queueTimeoutMs } = limits.multitask;
    const queue = queues.get(threadId) ?? [];
    if (queue.length >= queueMax) throw new HttpError(429, "queue_full", `${queue.length} runs already wait for this thread (RUN_QUEUE_MAX=${queueMax}); try again later.`);
    const ticket = Symbol(threadId);
    queue.push(ticket);
    queues.set(threadId, queue);
    try {
      // Only the first in this server's queue tries; the store's claim orders it against other servers.
      const held = await waitForClaim(async () => (queue[0] === ticket ? attempt(threadId) : undefined), { deadline: Date.now() + queueTimeoutMs, signal, wake: wakeOn(threadId) });
      if (held === "aborted") throw new HttpError(499, "client_closed", "The client went away while its run waited for the thread.");
      if (held === "timeout") throw new HttpError(409, "thread_busy", `Waited ${queueTimeoutMs / 1000} s (RUN_QUEUE_TIMEOUT_MS) for the runs ahead on this thread; nothing was run.`);
      return held;
    } finally {
      queue.splice(queue.indexOf(ticket), 1);
      if (queue.length === 0) queues.delete(threadId);
    }
  };

  /**
   * Takes the thread from the run that holds it (`interrupt` or `rollback`): asks the holder, in
   * whichever server it runs, to stop, and waits for it to give the thread back.
   */
  const takeOver = async (threadId: string, mode: StopMode, signal: AbortSignal): Promise<ThreadClaim> => {
    const { queueTimeoutMs } = limits.multitask;
    const held = await waitForClaim(stoppingAttempt(() => attempt(threadId), ctx.claims, threadId, mode), { deadline: Date.now() + queueTimeoutMs, signal, wake: wakeOn(threadId) });
    if (held === "aborted") throw new HttpError(499, "client_closed", "The client went away while its run waited for the thread.");
    if (held === "timeout") throw new HttpError(409, "thread_busy", `The run on this thread did not stop within ${queueTimeoutMs / 1000} s (RUN_QUEUE_TIMEOUT_MS); nothing was run.`);
    return held;
  };

  /**
   * Applies the concurrency cap (503) and claims the thread, in this process or in any other on
   * the same store: `reject` gives 409 when a run holds it, `enqueue` waits its turn (429 when
   * the queue is full, 409 after RUN_QUEUE_TIMEOUT_MS), `interrupt` and `rollback` stop the
   * holder and then run. A newer run's stop request aborts this run's controller, and
   * `superseded` then says how. `release` must be called at the end.
   */
  const claim = async (request: FastifyRequest, reply: FastifyReply, threadId: string, strategy: MultitaskStrategy = limits.multitask.strategy) => {
    const client = clientOf(request);
    const active = inFlight.get(client) ?? 0;
    if (active >= limits.runLimits.concurrency) {
      reply.header("retry-after", "1");
      throw new HttpError(503, "too_many_runs", `This client already has ${active} runs in progress (RUN_CONCURRENCY_MAX=${limits.runLimits.concurrency}); retry when one has finished.`);
    }
    if (strategy === "reject" && busy.has(threadId)) throw new HttpError(409, "thread_busy", busyMessage);
    if (strategy === "rollback" && !ctx.claims.canRollback) {
      throw new HttpError(400, "invalid_request", "multitaskStrategy rollback needs the SQLite or PostgreSQL checkpoint store; this server's checkpointer was passed in code and cannot drop a run's steps.");
    }
    inFlight.set(client, active + 1);
    const controller = new AbortController();
    running.add(controller);
    let held: ThreadClaim | undefined;
    const release = () => {
      if (held) busy.delete(threadId);
      running.delete(controller);
      const left = (inFlight.get(client) ?? 1) - 1;
      if (left > 0) inFlight.set(client, left);
      else inFlight.delete(client);
      void held?.release().catch((err: unknown) => ctx.logger.warn({ err, threadId }, "could not release a thread claim"));
    };
    // A client that hangs up while its run waits leaves the queue.
    const hangUp = () => controller.abort();
    reply.raw.once("close", hangUp);
    try {
      held =
        strategy === "enqueue" ? await waitTurn(threadId, controller.signal)
        : strategy === "interrupt" || strategy === "rollback" ? await takeOver(threadId, strategy, controller.signal)
        : await attempt(threadId);
    } catch (err) {
      release();
      throw err;
    } finally {
      reply.raw.off("close", hangUp);
    }
    if (!held) {
      release();
      throw new HttpError(409, "thread_busy", busyMessage);
    }
    const claimHeld = held;
    // The run stops when its client goes away or a newer run asks it to (the claim's signal).
    const signal = AbortSignal.any([controller.signal, claimHeld.stopped]);
    let committed = false;
    /** The run's steps ended: a stop that comes from now on (or came too late to stop them) keeps them. */
    const commit = async () => {
      committed = true;
      await claimHeld.commit();
    };
    const superseded = () => (committed ? undefined : supersededError(claimHeld));
    return { controller, signal, commit, release, superseded };
  };

  /** What `claim` gives: the run's abort controller and its release. */
  type Claimed = Awaited<ReturnType<typeof claim>>;

  /** Runs to the end and answers with one JSON body (the result, or what the thread waits for). */
  const respondJson = async (request: FastifyRequest, reply: FastifyReply, threadId: string, claimed: Claimed, steps: RunSteps) => {
    const { controller, signal, commit, release, superseded } = claimed;
    abortOnDisconnect(reply.raw, controller);
    const collected: StepEvent[] = [];
    try {
      for await (const event of steps(signal, false)) collected.push(event);
      await commit();
    } catch (caught) {
      const err = superseded() ?? caught;
      if (controller.signal.aborted && !(err instanceof RunSupersededError)) {
        request.log.info({ threadId }, "run aborted: the client disconnected");
        return undefined;
      }
      if (err instanceof RunSupersededError) request.log.info({ threadId, mode: err.mode }, "run stopped by a newer run");
      else request.log.warn({ err, threadId }, "run failed");
      const failure = runFailure(err, String(request.id));
      throw new HttpError(failure.httpStatus, failure.code, failure.message, undefined, failure.failure);
    } finally {
      release();
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
  };

  /** Streams the run as server-sent events. */
  const respondSse = async (request: FastifyRequest, reply: FastifyReply, threadId: string, claimed: Claimed, steps: RunSteps) => {
    const { controller, signal, commit, release, superseded } = claimed;
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
      for await (const event of steps(signal, true)) {
        if (controller.signal.aborted) break;
        await writeEvent(res, event.type, event);
      }
      // Steps that ended, not cut off by a client that went away, are the run's.
      if (!controller.signal.aborted) await commit();
      await writeEvent(res, "end", { threadId, elapsedMs: Math.round(performance.now() - started) });
    } catch (caught) {
      const err = superseded() ?? caught;
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
      release();
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
   * server-sent events. Both sit behind `auth` and the per-client run rate limit; `begin`
   * validates the request, claims the thread and returns the run's steps.
   */
  const runEndpoints = (
    app: FastifyInstance,
    path: string,
    auth: preHandlerAsyncHookHandler,
    begin: (request: FastifyRequest, reply: FastifyReply) => Promise<{ threadId: string; claimed: Claimed; steps: RunSteps }>,
  ) => {
    const options = { preHandler: auth, config: { rateLimit: { max: limits.runLimits.max, timeWindow: limits.runLimits.windowMs, keyGenerator: clientOf } } };
    // A caller's W3C traceparent makes the run's spans part of the caller's trace.
    app.post(path, options, (request, reply) =>
      inCallersTrace(request.headers, async () => {
        const { threadId, claimed, steps } = await begin(request, reply);
        return (await respondJson(request, reply, threadId, claimed, steps)) ?? reply;
      }),
    );
    app.post(`${path}/stream`, options, (request, reply) =>
      inCallersTrace(request.headers, async () => {
        const { threadId, claimed, steps } = await begin(request, reply);
        await respondSse(request, reply, threadId, claimed, steps);
      }),
    );
  };

  return { clientOf, claim, runEndpoints, abortAll };
}

/** The executor type. */
export type RunExecutor = ReturnType<typeof runExecutor>;
