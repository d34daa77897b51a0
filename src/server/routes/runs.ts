/**
 * Runs of the orchestrator: synchronous (`POST /api/runs`) and streamed as server-sent events
 * (`POST /api/runs/stream`). The response side (JSON or SSE, claims, limits) is in run_io.ts.
 */
import { randomUUID } from "node:crypto";
import { isBaseMessage, type BaseMessage } from "@langchain/core/messages";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { streamSteps } from "../../../graphs/orchestrator/stream.js";
import { requireApiKey, tenantOf } from "../auth.js";
import type { ServerContext } from "../context.js";
import { HttpError, parseRequest } from "../errors.js";
import { runBody, type RunRequest } from "../schemas.js";
import { spendingOf, type RunExecutor } from "./run_io.js";
import { runHeadersFromMetadata } from "../run_metadata.js";

const inputOf = (body: RunRequest) => ({ ...(body.task ? { task: body.task } : {}), ...(body.messages ? { messages: body.messages } : {}) });

/** Registers /api/runs and /api/runs/stream. */
export async function runRoutes(app: FastifyInstance, ctx: ServerContext, exec: RunExecutor): Promise<void> {
  const auth = requireApiKey(ctx.config.server.apiKey, ctx.config.server.tenantKeys);
  const limits = ctx.config.server;

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
   * Starts a run: validates the body, applies the per-client concurrency cap (503), claims the
   * thread (409 when busy) and checks its size (409 when full).
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
    const threadId = body.threadId ?? randomUUID();
    // Checked before the thread is claimed: a bad metadata key costs nothing.
    const headers = runHeadersFromMetadata(body.metadata, ctx.config.server.metadataHeaders, { tenant: tenantOf(request), user: body.user });
    const claimed = await exec.claim(request, reply, threadId, body.multitaskStrategy);
    try {
      if (body.threadId) await checkThreadSize(threadId, (body.messages?.length ?? 0) + (body.task ? 1 : 0));
    } catch (err) {
      claimed.release();
      throw err;
    }
    const steps = (signal: AbortSignal, tokens: boolean) =>
      streamSteps(inputOf(body), { graph: ctx.graph, threadId, tier: body.tier, agent: body.agent, plan: body.plan, routingMode: body.routingMode, approver: `api:${exec.clientOf(request)}`, signal, tokens, headers, ...spendingOf(ctx, request, body.user) });
    return { threadId, claimed, steps };
  };

  exec.runEndpoints(app, "/api/runs", auth, beginRun);
}
