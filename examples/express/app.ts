/**
 * The orchestrator behind an Express 5 API. Two routes:
 *   POST /runs         {"task": "...", "threadId"?: "..."} -> {threadId, answer, simulated, steps}
 *   GET  /threads/:id  the thread's messages, for its own tenant only (others get 404)
 * Every run goes through the run service, so threads belong to a tenant and one run at a time
 * holds a thread, as on the project's own HTTP API. Who the caller is comes from your
 * authentication; this example reads a demo `x-tenant` header in its place.
 */
import express, { type NextFunction, type Request, type Response } from "express";
import type { BaseMessage } from "@langchain/core/messages";
import { createOrchestrator, createRuntime, RunRefusedError, type StepEvent } from "ai-gateway-agents";
import { createCheckpointer } from "ai-gateway-agents/orchestrator";
import { createRunService, type RunCaller } from "ai-gateway-agents/runs";

/** Builds the app and what it holds open; call `close()` when the server stops. */
export async function createApp() {
  const runtime = await createRuntime(); // the gateway from the environment, else the local emulator
  const store = await createCheckpointer(); // DATABASE_URL (PostgreSQL), else CHECKPOINT_SQLITE_PATH
  const graph = createOrchestrator({ registry: runtime.registry, policy: runtime.policy, simulated: runtime.simulated, checkpointer: store.checkpointer, ledger: store.ledger });
  const runs = createRunService({ graph, claims: store.claims, owners: store.owners });

  const callerOf = (req: Request): RunCaller => ({ tenant: req.get("x-tenant") || undefined, user: req.get("x-user") || undefined });

  const app = express();
  app.use(express.json({ limit: "100kb" }));

  // For a load balancer or process manager: fails while the store cannot be used.
  app.get("/healthz", async (_req, res) => {
    await store.check();
    res.json({ status: "ok" });
  });

  app.post("/runs", async (req, res) => {
    const task = typeof req.body?.task === "string" ? req.body.task.trim() : "";
    if (!task) return void res.status(400).json({ code: "bad_request", message: 'Send {"task": "..."} with a non-empty task.' });
    const threadId = typeof req.body.threadId === "string" ? req.body.threadId : undefined;
    // Stop the run when the client goes away.
    const abort = new AbortController();
    res.on("close", () => abort.abort());
    const run = await runs.begin(callerOf(req), { input: task, threadId, tokens: false, signal: abort.signal });
    const steps: StepEvent[] = [];
    for await (const event of run.events) steps.push(event);
    const final = steps.find((e) => e.type === "final_answer");
    res.json({ threadId: run.threadId, answer: final?.answer, simulated: final?.simulated, steps });
  });

  app.get("/threads/:id", async (req, res) => {
    await runs.checkAccess(callerOf(req), req.params.id);
    const state = await graph.getState({ configurable: { thread_id: req.params.id } });
    const { messages: stored = [] } = state.values as { messages?: BaseMessage[] };
    const messages = stored.map((m) => ({ role: m.getType(), text: m.text }));
    if (messages.length === 0) return void res.status(404).json({ code: "thread_not_found", message: "No such thread." });
    res.json({ threadId: req.params.id, messages });
  });

  // Express 5 passes a rejected async handler here: refusals keep their status, the rest is a 500
  // without internals (the run's own errors carry the project's messages, never upstream text).
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof RunRefusedError) return void res.status(err.status).json({ code: err.code, message: err.message });
    res.status(500).json({ code: "run_failed", message: err instanceof Error ? err.message : "The run failed." });
  });

  return {
    app,
    async close() {
      await store.close();
      await runtime.close();
    },
  };
}
