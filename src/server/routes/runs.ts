/**
 * Runs of the orchestrator: synchronous (`POST /api/runs`) and streamed as server-sent events
 * (`POST /api/runs/stream`). The run service decides; the response side is in run_io.ts.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { requireApiKey, tenantOf } from "../auth.js";
import type { ServerContext } from "../context.js";
import { HttpError, parseRequest } from "../errors.js";
import { runBody, type RunRequest } from "../schemas.js";
import type { RunAsk, RunExecutor } from "./run_io.js";
import { runHeadersFromMetadata } from "../run_metadata.js";

const inputOf = (body: RunRequest) => ({ ...(body.task ? { task: body.task } : {}), ...(body.messages ? { messages: body.messages } : {}) });

/** Registers /api/runs and /api/runs/stream. */
export async function runRoutes(app: FastifyInstance, ctx: ServerContext, exec: RunExecutor): Promise<void> {
  const auth = requireApiKey(ctx.config.server.apiKey, ctx.config.server.tenantKeys, ctx.config.server.adminApiKey);
  const limits = ctx.config.server;

  /** Validates the body and says what to run for whom. */
  const askOf = async (request: FastifyRequest): Promise<RunAsk> => {
    const body = parseRequest(runBody, request.body);
    // A client that may write system or assistant turns into a thread can put words in the model's mouth.
    const foreign = body.messages?.findIndex((m) => m.role !== "user") ?? -1;
    if (foreign >= 0 && !limits.allowClientRoles) {
      throw new HttpError(400, "invalid_request", `Invalid request: messages.${foreign}.role must be user (set ALLOW_CLIENT_ROLES=true to accept system and assistant messages).`, [
        { path: `messages.${foreign}.role`, message: "must be user" },
      ]);
    }
    // Checked before the run service is asked: a bad metadata key costs nothing.
    const headers = runHeadersFromMetadata(body.metadata, ctx.config.server.metadataHeaders, { tenant: tenantOf(request), user: body.user });
    return {
      caller: exec.callerOf(request, body.user),
      request: { input: inputOf(body), threadId: body.threadId, tier: body.tier, agent: body.agent, plan: body.plan, routingMode: body.routingMode, multitaskStrategy: body.multitaskStrategy, headers },
    };
  };

  exec.runEndpoints(app, "/api/runs", auth, askOf);
}
