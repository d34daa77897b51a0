/**
 * Threads: the caller's most recent ones (`GET /api/threads`), what one holds (`GET /api/threads/:id`: messages, the last run's result, any tool
 * calls waiting for approval and the decisions made so far) and the decision that lets a paused
 * run go on (`POST /api/threads/:id/resume`, JSON; `.../resume/stream`, server-sent events).
 */
import { isAIMessage, isBaseMessage, isHumanMessage, isToolMessage, type BaseMessage } from "@langchain/core/messages";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { pendingApprovals } from "../../../graphs/orchestrator/approvals.js";
import { isUnanswered } from "../../../graphs/orchestrator/unanswered.js";
import { isSummaryMessage } from "../../../agents/middleware/thread_summary.js";
import { requireApiKey, tenantOf } from "../auth.js";
import type { ServerContext } from "../context.js";
import { HttpError, parseRequest } from "../errors.js";
import { resumeBody, threadListQuery, threadParams } from "../schemas.js";
import type { RunAsk, RunExecutor } from "./run_io.js";
import { runHeadersFromMetadata } from "../run_metadata.js";

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

/** Registers /api/threads, /api/threads/:id and its resume endpoints. */
export async function threadRoutes(app: FastifyInstance, ctx: ServerContext, exec: RunExecutor): Promise<void> {
  const auth = requireApiKey(ctx.config.server.apiKey, ctx.config.server.tenantKeys, ctx.config.server.adminApiKey);

  // The caller's own threads (every tenant's for the admin key), most recently used first.
  app.get("/api/threads", { preHandler: auth }, async (request) => {
    const { limit } = parseRequest(threadListQuery, request.query ?? {});
    const caller = exec.callerOf(request);
    const owned = await ctx.runs.owners!.list(caller.admin ? undefined : (caller.tenant ?? ""), limit);
    const threads = [];
    for (const { threadId, tenant, updatedAt } of owned) {
      const snapshot = await ctx.graph.getState({ configurable: { thread_id: threadId } });
      const all = ((snapshot.values as { messages?: BaseMessage[] }).messages ?? []).filter(isBaseMessage);
      if (all.length === 0) continue;
      const first = all.find(isHumanMessage);
      threads.push({
        threadId,
        updatedAt: new Date(updatedAt).toISOString(),
        title: (first?.text ?? "").slice(0, 120),
        messages: all.length,
        ...(caller.admin ? { tenant: tenant || null } : {}),
      });
    }
    return { threads };
  });

  app.get("/api/threads/:id", { preHandler: auth }, async (request) => {
    const { id } = parseRequest(threadParams, request.params);
    if ((await ctx.runs.mayAccess(exec.callerOf(request), id)) !== "yes") throw new HttpError(404, "thread_not_found", "No messages are stored for this thread.");
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

  /** Validates the decision's shape and says what to run for whom; the run service checks it against what the thread waits for. */
  const askResume = async (request: FastifyRequest): Promise<RunAsk> => {
    const { id } = parseRequest(threadParams, request.params);
    const body = parseRequest(resumeBody, request.body);
    const headers = runHeadersFromMetadata(body.metadata, ctx.config.server.metadataHeaders, { tenant: tenantOf(request), user: body.user });
    const approval = body.decisions ?? { decision: body.decision!, args: body.args, reason: body.reason };
    return { caller: exec.callerOf(request, body.user), request: { input: { approval }, threadId: id, headers } };
  };

  exec.runEndpoints(app, "/api/threads/:id/resume", auth, askResume);
}
