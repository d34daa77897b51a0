/**
 * The orchestrator as an MCP server: one tool, `run_task`, that routes a task to an agent and
 * tier, reports each step as a progress notification and returns the answer with its route and
 * usage. The transports (stdio.ts, the HTTP route) only connect it.
 */
import type { ThreadClaims } from "../../graphs/thread_claims.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { BudgetExceededError, OrchestratorError, OrchestratorInputError, RunSupersededError, ThreadBusyError } from "../../graphs/orchestrator/errors.js";
import type { ApprovalRequiredEvent, FinalAnswerEvent, RouteDecidedEvent, UsageEvent } from "../../graphs/orchestrator/events.js";
import type { OrchestratorGraph } from "../../graphs/orchestrator/graph.js";
import { RunRefusedError } from "../runs/errors.js";
import { createRunService, type RunCaller, type RunService } from "../runs/service.js";
import { PACKAGE_NAME, packageVersion } from "../config/package_info.js";
import { getLogger, scrubText, type Logger } from "../logging/index.js";
import { TIERS, type Tier } from "../providers/types.js";
import { cliInvocation } from "../runtime/entry.js";
import { progressMessage } from "./progress.js";
import { ConfigurationError } from "../errors.js";

/** Options of `createMcpServer`. */
export interface McpServerOptions {
  /**
   * The run service every `tools/call` goes through, so each call is a run under the same
   * tenants, limits, budgets and ledger as any other surface; default a service over `graph` and
   * `claims` with no limits.
   */
  runs?: RunService;
  /** Who the calls are for (the HTTP request's tenant and client); default the default tenant. */
  caller?: RunCaller;
  /** The orchestrator graph runs go to when `runs` is not given (with a checkpointer, so `thread` continues a conversation). */
  graph?: OrchestratorGraph;
  /** Whether answers come from the emulator's simulated model; read per run. */
  simulated: () => boolean;
  /** Where unexpected failures are logged (default the process logger). */
  logger?: Logger;
  /**
   * With `graph`: where runs claim their thread (the checkpoint store's claims, seen by every
   * process on it); default claims kept in this server. Two runs never interleave one thread's checkpoints.
   */
  claims?: ThreadClaims;
  /** Stops every run of this server with an answer saying why (the HTTP server is shutting down). */
  signal?: AbortSignal;
}

/** Shown before the text of a simulated answer, so it is never taken for a real model's. */
export const SIMULATED_PREFIX = "[SIMULATED model: local emulator] ";

const tierEnum = z.enum(TIERS as [Tier, ...Tier[]], { error: `tier must be one of ${TIERS.join(", ")}` });

/** Arguments of `run_task`; the SDK validates calls against it before the handler runs. */
export const runTaskInput = {
  task: z
    .string({ error: "task must be text" })
    .min(1, { error: "task must not be empty" })
    .max(20_000, { error: "task must be at most 20000 characters" })
    .describe("The task, in plain language"),
  tier: tierEnum.optional().describe("Force this tier (skips routing)"),
  agent: z
    .string({ error: "agent must be text" })
    .regex(/^[a-z][a-z0-9_]{0,39}$/, { error: "agent must be a lower-case agent name (a-z, 0-9, _; at most 40 characters)" })
    .optional()
    .describe("Hand the task to this specialist agent (skips routing)"),
  thread: z
    .string({ error: "thread must be text" })
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, { error: "thread must be 1-128 characters of A-Z, a-z, 0-9, . _ : -" })
    .optional()
    .describe("Continue this conversation thread (default: a new thread)"),
};

const tokens = z.object({ input: z.number(), output: z.number(), total: z.number() });

/** Structured result of `run_task`: answer, route and usage on completion; what waits on a pause. */
export const runTaskOutput = {
  status: z.enum(["completed", "waiting_for_approval"]),
  answer: z.string().optional(),
  threadId: z.string(),
  route: z.object({ tier: tierEnum, agent: z.string(), source: z.enum(["explicit", "rule", "classifier", "default"]), reason: z.string() }).optional(),
  usage: z
    .object({
      total: tokens,
      costUsd: z.number(),
      premiumOnlyCostUsd: z.number().nullable(),
      unpriced: z.array(z.string()),
      perTier: z.partialRecord(tierEnum, tokens.extend({ costUsd: z.number(), calls: z.number() })),
    })
    .optional(),
  waitingFor: z.array(z.object({ tool: z.string(), callId: z.string(), args: z.record(z.string(), z.unknown()) })).optional(),
  simulated: z.boolean(),
};

/** The usage figures the result shows (the thread totals and provider lists stay out). */
function usageView(usage: UsageEvent) {
  const perTier: Partial<Record<Tier, { input: number; output: number; total: number; costUsd: number; calls: number }>> = {};
  for (const [tier, r] of Object.entries(usage.perTier) as [Tier, NonNullable<UsageEvent["perTier"][Tier]>][]) {
    perTier[tier] = { input: r.input, output: r.output, total: r.total, costUsd: r.costUsd, calls: r.calls };
  }
  return { total: usage.total, costUsd: usage.costUsd, premiumOnlyCostUsd: usage.premiumOnlyCostUsd, unpriced: usage.unpriced, perTier };
}

const errorResult = (text: string): CallToolResult => ({ content: [{ type: "text", text }], isError: true });

/** The message of a failed `run_task`: the project's own words, never upstream text. */
function failureText(err: unknown, threadId: string | undefined, shuttingDown: boolean, cancelled: boolean): string | undefined {
  if (err instanceof RunSupersededError || err instanceof RunRefusedError || err instanceof ThreadBusyError || err instanceof BudgetExceededError) return err.message;
  if (shuttingDown) return `The run on thread ${threadId} was stopped: the server is shutting down.`;
  if (cancelled) return "The run was cancelled.";
  if (err instanceof OrchestratorError || err instanceof OrchestratorInputError) return scrubText(err.message);
  return undefined;
}

/** Creates an MCP server whose `run_task` tool runs tasks through the run service (`options.runs`). */
export function createMcpServer(options: McpServerOptions): McpServer {
  const { simulated } = options;
  const logger = options.logger ?? getLogger();
  if (!options.runs && !options.graph) throw new ConfigurationError("invalid_option", "createMcpServer needs a run service (runs) or a graph.");
  const runs = options.runs ?? createRunService({ graph: options.graph!, claims: options.claims });
  const caller: RunCaller = { client: "mcp", ...options.caller, approver: options.caller?.approver ?? "mcp" };
  const server = new McpServer({ name: PACKAGE_NAME, version: packageVersion() });

  server.registerTool(
    "run_task",
    {
      title: "Run a task on the orchestrator",
      description:
        "Routes the task to a fast, standard or premium tool-calling agent (or a named specialist), runs it and returns the answer " +
        "with the route taken and the token usage and cost. Each step is sent as a progress notification. Give `thread` to continue a conversation.",
      inputSchema: runTaskInput,
      outputSchema: runTaskOutput,
    },
    async ({ task, tier, agent, thread }, extra): Promise<CallToolResult> => {
      const progressToken = extra._meta?.progressToken;
      let progress = 0;
      let route: RouteDecidedEvent | undefined;
      let final: FinalAnswerEvent | undefined;
      let usage: UsageEvent | undefined;
      const waiting: ApprovalRequiredEvent[] = [];
      // The client's cancellation, or the server shutting down, stops the run.
      const stop = new AbortController();
      const forward = () => stop.abort();
      extra.signal.addEventListener("abort", forward, { once: true });
      options.signal?.addEventListener("abort", forward, { once: true });
      let interrupted = false;
      let threadId = thread;
      try {
        const run = await runs.begin(caller, { input: task, threadId: thread, tier, agent, tokens: false, signal: stop.signal });
        threadId = run.threadId;
        for await (const event of run.events) {
          if (event.type === "route_decided") route = event;
          else if (event.type === "final_answer") final = event;
          else if (event.type === "usage") usage = event;
          else if (event.type === "approval_required") waiting.push(event);
          else if (event.type === "interrupted") interrupted = true;
          const message = progressToken === undefined ? undefined : progressMessage(event);
          // A client that went away must not fail the run; its cancellation aborts it instead.
          if (progressToken !== undefined && message) {
            await extra.sendNotification({ method: "notifications/progress", params: { progressToken, progress: ++progress, message } }).catch(() => undefined);
          }
        }
      } catch (err) {
        const text = failureText(err, threadId, !!options.signal?.aborted, stop.signal.aborted);
        if (text !== undefined) return errorResult(text);
        logger.error({ err, threadId }, "MCP run_task failed unexpectedly");
        return errorResult("The run failed unexpectedly; the details are in the server log.");
      } finally {
        extra.signal.removeEventListener("abort", forward);
        options.signal?.removeEventListener("abort", forward);
      }
      threadId = threadId ?? "";
      const isSimulated = simulated() || !!final?.simulated;
      const prefix = isSimulated ? SIMULATED_PREFIX : "";
      const routeView = route && { tier: route.tier, agent: route.agent, source: route.source, reason: route.reason };
      if (waiting.length > 0) {
        const tools = [...new Set(waiting.map((w) => w.tool))].join(", ");
        const text =
          `${prefix}The run is waiting for approval of ${tools} on thread ${threadId}. Decide it with ` +
          `\`${cliInvocation()} resume ${threadId} --decision approve|reject\` or POST /api/threads/${threadId}/resume.`;
        return {
          content: [{ type: "text", text }],
          structuredContent: {
            status: "waiting_for_approval",
            threadId,
            ...(routeView ? { route: routeView } : {}),
            waitingFor: waiting.map((w) => ({ tool: w.tool, callId: w.callId, args: w.args })),
            simulated: isSimulated,
          },
        };
      }
      if (interrupted) return errorResult(`The run on thread ${threadId} paused for input (an interrupt) that run_task cannot give.`);
      if (!final) return errorResult(`The run on thread ${threadId} ended without an answer.`);
      return {
        content: [{ type: "text", text: `${prefix}${final.answer}` }],
        structuredContent: {
          status: "completed",
          answer: final.answer,
          threadId,
          ...(routeView ? { route: routeView } : {}),
          ...(usage ? { usage: usageView(usage) } : {}),
          simulated: isSimulated,
        },
      };
    },
  );
  return server;
}
