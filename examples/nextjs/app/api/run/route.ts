/**
 * A Next.js App Router route handler (`app/api/run/route.ts`): POST {"task", "threadId"?} and get
 * the run's answer and steps. The `x-tenant` header stands in for your authentication (in a real
 * app, read the session here). Node.js runtime only: the orchestrator uses Node APIs.
 */
import { RunRefusedError, type StepEvent } from "ai-gateway-agents";
import { getRunService } from "../../../lib/orchestrator.js";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function POST(req: Request): Promise<Response> {
  const body = (await req.json().catch(() => null)) as { task?: unknown; threadId?: unknown } | null;
  const task = typeof body?.task === "string" ? body.task.trim() : "";
  if (!task) return Response.json({ code: "bad_request", message: 'Send {"task": "..."} with a non-empty task.' }, { status: 400 });
  const threadId = typeof body?.threadId === "string" ? body.threadId : undefined;
  const runs = await getRunService();
  try {
    // req.signal aborts when the client disconnects, which stops the run.
    const run = await runs.begin({ tenant: req.headers.get("x-tenant") || undefined }, { input: task, threadId, tokens: false, signal: req.signal });
    const steps: StepEvent[] = [];
    for await (const event of run.events) steps.push(event);
    const final = steps.find((e) => e.type === "final_answer");
    return Response.json({ threadId: run.threadId, answer: final?.answer, simulated: final?.simulated, steps });
  } catch (err) {
    if (err instanceof RunRefusedError) return Response.json({ code: err.code, message: err.message }, { status: err.status });
    return Response.json({ code: "run_failed", message: err instanceof Error ? err.message : "The run failed." }, { status: 500 });
  }
}
