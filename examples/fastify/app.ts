/**
 * The orchestrator behind a Fastify 5 API, the same two routes as the Express example:
 *   POST /runs         {"task": "...", "threadId"?: "..."} -> {threadId, answer, simulated, steps}
 *   GET  /threads/:id  the thread's messages, for its own tenant only (others get 404)
 * The `x-tenant` header stands in for your authentication.
 */
import Fastify, { type FastifyError, type FastifyRequest } from "fastify";
import type { BaseMessage } from "@langchain/core/messages";
import { createOrchestrator, createRuntime, RunRefusedError, type StepEvent } from "ai-gateway-agents";
import { createCheckpointer } from "ai-gateway-agents/orchestrator";
import { createRunService, type RunCaller } from "ai-gateway-agents/runs";

/** Builds the app; closing it (`app.close()`) also releases the store and the runtime. */
export async function buildApp() {
  const runtime = await createRuntime(); // the gateway from the environment, else the local emulator
  const store = await createCheckpointer(); // DATABASE_URL (PostgreSQL), else CHECKPOINT_SQLITE_PATH
  const graph = createOrchestrator({ registry: runtime.registry, policy: runtime.policy, simulated: runtime.simulated, checkpointer: store.checkpointer, ledger: store.ledger });
  const runs = createRunService({ graph, claims: store.claims, owners: store.owners });

  const callerOf = (req: FastifyRequest): RunCaller => ({ tenant: header(req, "x-tenant"), user: header(req, "x-user") });

  const app = Fastify({ bodyLimit: 100_000 });
  app.addHook("onClose", async () => {
    await store.close();
    await runtime.close();
  });
  app.setErrorHandler((err: FastifyError | RunRefusedError, _req, reply) => {
    if (err instanceof RunRefusedError) return reply.status(err.status).send({ code: err.code, message: err.message });
    // Fastify's own errors (a bad body) keep their 4xx status.
    const status = "statusCode" in err && typeof err.statusCode === "number" && err.statusCode < 500 ? err.statusCode : 500;
    return reply.status(status).send({ code: status === 500 ? "run_failed" : "bad_request", message: err.message });
  });

  // For a load balancer or process manager: fails while the store cannot be used.
  app.get("/healthz", async () => {
    await store.check();
    return { status: "ok" };
  });

  const runBody = { type: "object", required: ["task"], properties: { task: { type: "string", minLength: 1 }, threadId: { type: "string" } } } as const;
  app.post<{ Body: { task: string; threadId?: string } }>("/runs", { schema: { body: runBody } }, async (req, reply) => {
    // The response closing before the answer is sent means the client went away: stop the run.
    const abort = new AbortController();
    reply.raw.once("close", () => abort.abort());
    const run = await runs.begin(callerOf(req), { input: req.body.task, threadId: req.body.threadId, tokens: false, signal: abort.signal });
    const steps: StepEvent[] = [];
    for await (const event of run.events) steps.push(event);
    const final = steps.find((e) => e.type === "final_answer");
    return { threadId: run.threadId, answer: final?.answer, simulated: final?.simulated, steps };
  });

  app.get<{ Params: { id: string } }>("/threads/:id", async (req, reply) => {
    await runs.checkAccess(callerOf(req), req.params.id);
    const state = await graph.getState({ configurable: { thread_id: req.params.id } });
    const { messages: stored = [] } = state.values as { messages?: BaseMessage[] };
    const messages = stored.map((m) => ({ role: m.getType(), text: m.text }));
    if (messages.length === 0) return reply.status(404).send({ code: "thread_not_found", message: "No such thread." });
    return { threadId: req.params.id, messages };
  });

  return app;
}

function header(req: FastifyRequest, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}
