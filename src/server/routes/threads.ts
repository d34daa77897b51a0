/**
 * Threads: the most recent ones (`GET /api/threads`), what one holds (`GET /api/threads/:id`: messages, the last run's result, any tool
 * calls waiting for approval and the decisions made so far) and the decision that lets a paused
 * run go on (`POST /api/threads/:id/resume`, JSON; `.../resume/stream`, server-sent events).
 */
import { isAIMessage, isHumanMessage, isToolMessage, type BaseMessage } from "@langchain/core/messages";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { approvalResume, pendingApprovals } from "../../../graphs/orchestrator/approvals.js";
import { OrchestratorInputError } from "../../../graphs/orchestrator/errors.js";
import { streamSteps } from "../../../graphs/orchestrator/stream.js";
import { isUnanswered } from "../../../graphs/orchestrator/unanswered.js";
import { isSummaryMessage } from "../../../agents/middleware/thread_summary.js";
import { requireApiKey, tenantOf } from "../auth.js";
import type { ServerContext } from "../context.js";
import { HttpError, parseRequest } from "../errors.js";
import { resumeBody, threadListQuery, threadParams } from "../schemas.js";
import { spendingOf, type RunExecutor } from "./run_io.js";
import { runHeadersFromMetadata } from "../run_metadata.js";

/** Checkpoints read at most to find the recent threads. */
const LIST_SCAN = 500;

const ROLE: Record<string, string> = { human: "user", ai: "assistant", system: "system", tool: "tool" };

/** A stored message as the API shows it. */
function messageView(m: BaseMessage) {
  return {
    role: ROLE[m.getType()] ?? m.getType(),
    content: m.text,
    ...(isAIMessage(m) && m.tool_calls?.length ? { toolCalls: m.tool_calls.map((c) => ({ id: c.id, name: c.name, args: c.args })) } : {}),
    ...(isToolMessage(m) ? { toolCallId: m.tool_call_id, name: m.name } : {}),
    ...(isUnanswered(m) ? { unanswered: true } : {}),
    // The fast tier's summary of older turns, which took their place in the thread.
    ...(isSummaryMessage(m) ? { summary: true } : {}),
  };
}

/** Registers /api/threads/:id and its resume endpoints. */
export async function threadRoutes(app: FastifyInstance, ctx: ServerContext, exec: RunExecutor): Promise<void> {
  const auth = requireApiKey(ctx.config.server.apiKey, ctx.config.server.tenantKeys);

  app.get("/api/threads", { preHandler: auth }, async (request) => {
    const { limit } = parseRequest(threadListQuery, request.query ?? {});
    const saver = ctx.graph.checkpointer;
    if (!saver || typeof saver === "boolean") return { threads: [] };
    const threads = new Map<string, { threadId: string; updatedAt: string; title: string; messages: number }>();
    // Newest checkpoints first; the scan is bounded, so a store with many threads stays cheap.
    for await (const tuple of saver.list({ configurable: {} }, { limit: LIST_SCAN })) {
      const cfg = tuple.config.configurable ?? {};
      const id = typeof cfg.thread_id === "string" ? cfg.thread_id : undefined;
      if (!id || cfg.checkpoint_ns || threads.has(id)) continue;
      const messages = ((tuple.checkpoint.channel_values as { messages?: BaseMessage[] }).messages ?? []).filter(isHumanMessage);
      threads.set(id, { threadId: id, updatedAt: tuple.checkpoint.ts, title: (messages[0]?.text ?? "").slice(0, 120), messages: ((tuple.checkpoint.channel_values as { messages?: unknown[] }).messages ?? []).length });
      if (threads.size >= limit) break;
    }
    return { threads: [...threads.values()] };
  });

  app.get("/api/threads/:id", { preHandler: auth }, async (request) => {
    const { id } = parseRequest(threadParams, request.params);
    const snapshot = await ctx.graph.getState({ configurable: { thread_id: id } });
    const values = snapshot.values as { messages?: BaseMessage[]; run?: { result?: unknown; route?: unknown; error?: unknown }; approvals?: unknown[] };
    const messages = values.messages ?? [];
    if (messages.length === 0) throw new HttpError(404, "thread_not_found", "No messages are stored for this thread.");
    const run = values.run;
    const pending = await pendingApprovals(ctx.graph, id);
    return {
      threadId: id,
      status: pending.length > 0 ? "waiting_for_approval" : "idle",
      messages: messages.map(messageView),
      result: run?.result ?? null,
      route: run?.route ?? null,
      error: run?.error ?? null,
      pendingApprovals: pending,
      approvals: values.approvals ?? [],
      // What the store keeps of this thread: its newest checkpoints, and how many went before them.
      checkpoints: ctx.retention ? await ctx.retention.stats(id) : null,
    };
  });

  /** Validates the decision against what the thread waits for, claims the thread, and returns the run's steps. */
  const beginResume = async (request: FastifyRequest, reply: FastifyReply) => {
    const { id } = parseRequest(threadParams, request.params);
    const body = parseRequest(resumeBody, request.body);
    const headers = runHeadersFromMetadata(body.metadata, ctx.config.server.metadataHeaders, { tenant: tenantOf(request) });
    const claimed = await exec.claim(request, reply, id);
    try {
      const pending = await pendingApprovals(ctx.graph, id);
      if (pending.length === 0) throw new HttpError(409, "nothing_pending", "This thread has no tool call waiting for approval.");
      let command;
      try {
        command = approvalResume(pending, body.decisions ?? { decision: body.decision!, args: body.args, reason: body.reason });
      } catch (err) {
        if (err instanceof OrchestratorInputError) throw new HttpError(400, "invalid_decision", err.message);
        throw err;
      }
      const steps = (signal: AbortSignal, tokens: boolean) => streamSteps(command, { graph: ctx.graph, threadId: id, approver: `api:${exec.clientOf(request)}`, signal, tokens, headers, ...spendingOf(ctx, request) });
      return { threadId: id, claimed, steps };
    } catch (err) {
      claimed.release();
      throw err;
    }
  };

  exec.runEndpoints(app, "/api/threads/:id/resume", auth, beginResume);
}
