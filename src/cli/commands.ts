/** The CLI's commands: run a task (the main job), resume one, show the tier mapping and tools, verify providers, print a thread. */
import { randomUUID } from "node:crypto";
import { isAIMessage, isBaseMessage, type BaseMessage } from "@langchain/core/messages";
import { pendingApprovals, type ApprovalInput } from "../../graphs/orchestrator/approvals.js";
import { OrchestratorError, OrchestratorInputError, RunSupersededError } from "../../graphs/orchestrator/errors.js";
import type { ApprovalRequiredEvent, StepEvent } from "../../graphs/orchestrator/events.js";
import { createOrchestrator, type OrchestratorGraph } from "../../graphs/orchestrator/graph.js";
import { createCheckpointer } from "../../graphs/persistence.js";
import type { RetentionStats } from "../../graphs/retention.js";
import { isSummaryMessage } from "../../agents/middleware/thread_summary.js";
import type { ThreadClaim } from "../../graphs/thread_claims.js";
import { createRuntime, type Runtime } from "../runtime/index.js";
import { supersededError, type StepsInput } from "../../graphs/orchestrator/stream.js";
import { createRunService, type RunService } from "../runs/service.js";
import { runLimitsOf } from "../runs/limits.js";
import { isUnanswered } from "../../graphs/orchestrator/unanswered.js";
import type { RoutingMode } from "../policy/routing_rules.js";
import { createConfiguredToolbox, toolMatches, toolSource } from "../../agents/tools/index.js";
import { loadConfig } from "../config/index.js";
import { scrubText } from "../logging/index.js";
import { AIGatewayAgentsError } from "../errors.js";
import type { VerifyTokenDetails } from "../gateway/index.js";
import { PROVIDERS, TIERS, type Tier } from "../providers/types.js";
import { approver, askDecisions, parseObject, resumeHint } from "./approval_prompt.js";
import { LinePrompt } from "./prompt.js";
import { HumanRenderer, renderJson, type Output } from "./render.js";
import { terminalText } from "./terminal_text.js";

/** Exit codes: 0 success, 1 the run or a check failed, 2 bad usage or configuration, 3 waiting for approval, 130 interrupted. */
export const EXIT = { ok: 0, failed: 1, usage: 2, waiting: 3, interrupted: 130 } as const;

/** How a run that reaches an approval goes on: ask on stdin, or stop with exit code 3 and the resume command. */
export type ApprovalMode = "ask" | "exit";

/** Options of the run command. */
export interface RunOptions {
  tier?: Tier;
  /** Specialist to hand the task to. */
  agent?: string;
  /** Force the plan route. */
  plan?: boolean;
  thread?: string;
  json?: boolean;
  routing?: RoutingMode;
  /** Default: ask when stdin is a terminal, else exit. */
  approvals?: ApprovalMode;
  /** Extra gateway headers for every model call of the run (`--header name=value`, repeatable). */
  headers?: Record<string, string>;
  /** Who the run is for: usage is recorded against them and their budgets apply. */
  user?: string;
  tenant?: string;
}

/** A decision given to `resume`. */
export interface ResumeOptions extends Omit<RunOptions, "thread" | "tier" | "agent" | "plan" | "routing"> {
  decision: string;
  /** JSON object text, for `edit`. */
  args?: string;
  reason?: string;
}

/** What every command gets. */
export interface CommandIO {
  stdout: Output;
  stderr: Output;
  colors: boolean;
  signal: AbortSignal;
}

async function withRuntime<T>(io: CommandIO, json: boolean, body: (rt: Runtime) => Promise<T>, awaitDiscovery = true): Promise<T> {
  const runtime = await createRuntime({
    awaitDiscovery,
    // One line, on stderr, so a --json consumer's stdout stays pure JSON.
    onSimulated: (notice) => io.stderr.write(`${json ? "" : "note: "}${notice}\n`),
  });
  try {
    return await body(runtime);
  } finally {
    await runtime.close();
  }
}

/** Runs tasks: one from the arguments, or an interactive prompt when there is none and stdin is a TTY. */
export async function runCommand(task: string | undefined, options: RunOptions, io: CommandIO): Promise<number> {
  return withOrchestrator(io, !!options.json, async (session) => {
    // The graph is built once and serves every run of an interactive session.
    const threadId = options.thread ?? randomUUID();
    const ask = (options.approvals ?? (process.stdin.isTTY ? "ask" : "exit")) === "ask";
    if (task) return withPrompt(ask, (rl) => runTask(session, task, threadId, options, io, rl));
    io.stderr.write(`Interactive session (thread ${threadId}). Type a task; an empty line or Ctrl-D ends.\n`);
    return withPrompt(true, async (rl) => {
      let code: number = EXIT.ok;
      for (;;) {
        const line = (await rl!.ask("> ")) ?? "";
        if (!line) return code;
        code = await runTask(session, line, threadId, options, io, ask ? rl : undefined);
      }
    });
  });
}

/** Decides the calls a thread waits on: `npm start -- resume <thread> --decision approve|edit|reject`. */
export async function resumeCommand(threadId: string, options: ResumeOptions, io: CommandIO): Promise<number> {
  const args = options.args === undefined ? undefined : parseObject(options.args);
  if (options.args !== undefined && !args) {
    io.stderr.write(`--args must be a JSON object, e.g. '{"expression":"2 + 2"}'.\n`);
    return EXIT.usage;
  }
  return withOrchestrator(io, !!options.json, async (session) => {
    if ((await pendingApprovals(session.graph, threadId)).length === 0) {
      io.stderr.write(`error: thread ${threadId} has nothing waiting for approval.\n`);
      return EXIT.failed;
    }
    const decision: ApprovalInput = { decision: options.decision as ApprovalInput["decision"], args, reason: options.reason };
    const ask = (options.approvals ?? (process.stdin.isTTY ? "ask" : "exit")) === "ask";
    return withPrompt(ask, (rl) => runTask(session, { approval: decision }, threadId, options, io, rl));
  });
}

/** Runs `body` with a prompt on stdin when `wanted`, closing it afterwards. */
async function withPrompt(wanted: boolean, body: (rl: LinePrompt | undefined) => Promise<number>): Promise<number> {
  const rl = wanted ? new LinePrompt() : undefined;
  try {
    return await body(rl);
  } finally {
    rl?.close();
  }
}

/** What the run commands work with: the graph, whether it is simulated, and the run service over the store. */
interface Session {
  graph: OrchestratorGraph;
  simulated: boolean;
  /** Tenants, limits, claims, budgets and the ledger, as for every other surface. */
  runs: RunService;
}

/** Builds the runtime, the toolbox, the checkpointer and the graph, and closes them after `body`. */
async function withOrchestrator(io: CommandIO, json: boolean, body: (session: Session) => Promise<number>): Promise<number> {
  // The store opens while the runtime starts: one is file work, the other waits on HTTP.
  const opening = createCheckpointer();
  // Rejections are awaited below; this only keeps an early one from counting as unhandled.
  opening.catch(() => undefined);
  try {
    // The runs' router waits for discovery itself, so the graph is built while it runs.
    return await withRuntime(
      io,
      json,
      async (runtime) => {
        const persistence = await opening;
        const toolbox = await toolboxFor(runtime);
        try {
          const graph = createOrchestrator({
            registry: runtime.registry,
            policy: runtime.policy,
            simulated: runtime.simulated,
            checkpointer: persistence.checkpointer,
            tools: toolbox.tools,
            ledger: persistence.ledger,
          });
          const config = loadConfig();
          const runs = createRunService({
            graph,
            claims: persistence.claims,
            owners: persistence.owners,
            limits: runLimitsOf(config),
            multitaskStrategy: config.server.multitask.strategy,
          });
          return await body({ graph, simulated: runtime.simulated, runs });
        } finally {
          await toolbox.close();
        }
      },
      false,
    );
  } finally {
    await (await opening.catch(() => undefined))?.close();
  }
}

/** The toolbox of the configuration the runtime was built from (built-ins and MCP servers). */
function toolboxFor(runtime: Runtime) {
  return createConfiguredToolbox({ config: loadConfig(), mcp: runtime.policy.mcp, gatewayTokens: runtime.registry.gatewayTokens() });
}

/** Lists every tool: where it comes from, what it does, and which tiers and agents may use it. */
export async function toolsCommand(options: { json?: boolean }, io: CommandIO): Promise<number> {
  return withRuntime(io, !!options.json, async (runtime) => {
    const toolbox = await toolboxFor(runtime);
    try {
      const tc = runtime.policy;
      const users = (tool: string) => [
        ...TIERS.filter((t) => tc.tiers[t].tools.some((p) => toolMatches(p, tool))),
        ...tc.agents.filter((a) => a.tools.some((p) => toolMatches(p, tool))).map((a) => a.name),
      ];
      const rows = Object.values(toolbox.tools)
        .filter((t) => t !== undefined)
        .map((t) => ({ name: t.name, source: toolSource(t.name, tc.mcp), description: t.description, usedBy: users(t.name) }));
      const servers = toolbox.servers();
      if (options.json) {
        renderJson(io.stdout, { type: "tools", tools: rows, servers });
        return EXIT.ok;
      }
      // Names, descriptions and errors come from MCP servers: printed with control sequences removed.
      for (const r of rows) io.stdout.write(`${terminalText(`${r.name.padEnd(28)} ${r.source.padEnd(14)} ${r.usedBy.join(", ") || "(no tier or agent)"}  ${r.description.replace(/\s+/g, " ").slice(0, 80)}`)}\n`);
      for (const s of servers.filter((x) => x.state === "down")) io.stdout.write(`${terminalText(`${`mcp:${s.server}`.padEnd(28)} DOWN           ${s.error ?? ""}`)}\n`);
      return EXIT.ok;
    } finally {
      await toolbox.close();
    }
  });
}

/**
 * Runs a task (or a resume) to its end, rendering every step. When the run stops for approval it
 * asks on `rl` and goes on, or, without a prompt, prints the resume command and returns 3.
 */
async function runTask(session: Session, first: StepsInput, threadId: string, options: RunOptions, io: CommandIO, rl?: LinePrompt): Promise<number> {
  // The thread is claimed in the store, so a server or another CLI on it cannot run there at once.
  const claim = await session.runs.claims.tryClaim(threadId);
  if (!claim) {
    const message = `A run is already in progress on thread ${threadId} (in this or another process); wait for it to finish.`;
    if (options.json) renderJson(io.stdout, { type: "error", message });
    io.stderr.write(`error: ${message}\n`);
    return EXIT.failed;
  }
  try {
    return await runClaimed(session, claim, first, threadId, options, io, rl);
  } finally {
    await claim.release();
  }
}

async function runClaimed({ runs, simulated }: Session, claim: ThreadClaim, first: StepsInput, threadId: string, options: RunOptions, io: CommandIO, rl?: LinePrompt): Promise<number> {
  const started = performance.now();
  const human = options.json ? undefined : new HumanRenderer(io.stdout, io.colors);
  if (options.json) renderJson(io.stdout, { type: "run_started", threadId, ...(typeof first === "string" ? { task: first } : { resumed: true }), simulated });
  else io.stderr.write(`thread ${threadId}\n`);
  let input: StepsInput = first;
  try {
    for (;;) {
      const waiting: ApprovalRequiredEvent[] = [];
      // The run service also stops the run when a newer run on the thread (an API client's interrupt or rollback) asks the claim to.
      const caller = { tenant: options.tenant, user: options.user, client: "cli", approver: approver() };
      const request = { input, threadId, tier: options.tier, agent: options.agent, plan: options.plan, routingMode: options.routing, signal: io.signal, headers: options.headers, claim };
      for await (const event of runs.stream(caller, request)) {
        if (event.type === "approval_required") waiting.push(event);
        if (options.json) renderJson(io.stdout, event as StepEvent);
        else human!.render(event);
      }
      if (waiting.length === 0) break;
      const stop = supersededError(claim);
      if (stop) throw stop;
      human?.finish();
      const decisions = rl ? await askDecisions(rl, waiting, io.stderr) : undefined;
      if (!decisions) {
        if (options.json) renderJson(io.stdout, { type: "run_paused", threadId, waitingFor: waiting.map((w) => w.tool), resume: resumeHint(threadId) });
        io.stderr.write(`waiting for approval of ${terminalText(waiting.map((w) => w.tool).join(", "))} · resume with:\n  ${resumeHint(threadId)}\n`);
        return EXIT.waiting;
      }
      input = { approval: decisions };
    }
    const elapsedMs = Math.round(performance.now() - started);
    if (options.json) renderJson(io.stdout, { type: "run_finished", threadId, elapsedMs });
    else {
      human!.finish();
      io.stdout.write(`done in ${(elapsedMs / 1000).toFixed(2)} s · continue with --thread ${threadId}\n`);
    }
    return EXIT.ok;
  } catch (caught) {
    human?.finish();
    const err = supersededError(claim) ?? caught;
    const interrupted = io.signal.aborted && !(err instanceof RunSupersededError);
    const message = scrubText(interrupted ? "Interrupted." : err instanceof Error ? err.message : String(err));
    // The typed failure next to the text, so a script tells a spent budget from a bad request without parsing words.
    const typed = interrupted || !(err instanceof AIGatewayAgentsError) ? {} : err instanceof OrchestratorError ? { kind: err.kind, code: err.code } : { code: err.code };
    if (options.json) renderJson(io.stdout, { type: "error", message, ...typed });
    io.stderr.write(`error: ${terminalText(message)}\n`);
    if (interrupted) return EXIT.interrupted;
    return err instanceof OrchestratorInputError ? EXIT.usage : EXIT.failed;
  }
}

/** Prints the model of each tier and where it came from. */
export async function modelsCommand(options: { json?: boolean }, io: CommandIO): Promise<number> {
  return withRuntime(io, !!options.json, async ({ registry, simulated }) => {
    const selections = registry.gatewaySelections();
    // Only providers that take part (configured, enabled, in the order) answer; the rest are named apart.
    const status = registry.status();
    const order = registry.providerOrder().filter((p) => status.some((s) => s.provider === p && s.configured && s.enabled));
    const idle = registry.providerOrder().filter((p) => !order.includes(p));
    const rows = TIERS.map((tier) => ({
      tier,
      gatewayModel: selections[tier].model,
      source: selections[tier].source,
      fallbacks: order.filter((p) => p !== "gateway").map((p) => `${p}:${registry.modelId(p, tier)}`),
    }));
    if (options.json) {
      renderJson(io.stdout, { type: "models", simulated, providers: order, notConfigured: idle, tiers: rows });
      return EXIT.ok;
    }
    io.stdout.write(`providers in order: ${order.join(" -> ") || "(none)"}${simulated ? "  [gateway = local emulator, SIMULATED]" : ""}\n`);
    if (idle.length > 0) io.stdout.write(`not configured or switched off: ${idle.join(", ")}\n`);
    for (const r of rows) {
      io.stdout.write(`${r.tier.padEnd(9)} ${r.gatewayModel.padEnd(24)} (${r.source})${r.fallbacks.length ? `  fallbacks: ${r.fallbacks.join(", ")}` : ""}\n`);
    }
    return EXIT.ok;
  });
}

/** Verifies the credentials of every configured provider. */
export async function verifyCommand(options: { json?: boolean }, io: CommandIO): Promise<number> {
  return withRuntime(io, !!options.json, async ({ registry }) => {
    const configured = registry.status().filter((s) => s.configured);
    let failed = 0;
    for (const provider of PROVIDERS.filter((p) => configured.some((s) => s.provider === p))) {
      const outcome = await registry.verify(provider);
      if (!outcome.ok) failed++;
      if (options.json) renderJson(io.stdout, { type: "verify", provider, ...outcome });
      else {
        io.stdout.write(
          `${provider.padEnd(10)} ${outcome.ok ? "ok" : "FAILED"}  ${outcome.latencyMs} ms` +
            `${outcome.modelCount !== undefined ? `  ${outcome.modelCount} models` : ""}` +
            `${outcome.error ? `  ${outcome.error.code}: ${outcome.error.message}` : ""}\n`,
        );
        for (const line of tokenLines(outcome.token)) io.stdout.write(`${" ".repeat(11)}${line}\n`);
      }
    }
    return failed === 0 ? EXIT.ok : EXIT.failed;
  });
}

/** What verify says about the gateway's token, one fact per line; never the token itself. */
export function tokenLines(token: VerifyTokenDetails | undefined, now: number = Date.now()): string[] {
  if (!token) return [];
  const lines = [`auth method     ${token.authMethod}${token.tokenEndpoint ? ` at ${token.tokenEndpoint}` : ""}`];
  if (token.discovery) lines.push(`issuer metadata ${token.discovery.document} (${token.discovery.url})`);
  if (token.grantedScope !== undefined) lines.push(`granted scope   ${token.grantedScope}`);
  else if (token.authMethod !== "api_key" && token.authMethod !== "token_provider") {
    lines.push(`granted scope   (not stated by the token endpoint${token.requestedScope ? `; asked for: ${token.requestedScope}` : ""})`);
  }
  if (token.expiresAt) {
    const minutes = Math.round((Date.parse(token.expiresAt) - now) / 60_000);
    lines.push(`expires         ${token.expiresAt} (${minutes >= 0 ? `in ${minutes} min` : "already expired"})`);
  }
  if (token.audience !== undefined) lines.push(`audience        ${[token.audience].flat().join(", ")} (read from the JWT, not verified)`);
  return lines;
}

/** Prints the conversation stored for a thread (no model is called, no graph is built). */
/** What `history` says about the thread's checkpoints. */
export function retentionLine(stats: RetentionStats): string {
  const kept = `${stats.kept} checkpoint${stats.kept === 1 ? "" : "s"} kept`;
  const policy = stats.keep > 0 ? `the newest ${stats.keep} are kept (CHECKPOINT_KEEP)` : "pruning is off (CHECKPOINT_KEEP=0)";
  return stats.pruned > 0 ? `${kept}; ${stats.pruned} earlier pruned; ${policy}.` : `${kept}; none pruned; ${policy}.`;
}

export async function historyCommand(threadId: string, options: { json?: boolean }, io: CommandIO): Promise<number> {
  const persistence = await createCheckpointer();
  try {
    const tuple = await persistence.checkpointer.getTuple({ configurable: { thread_id: threadId, checkpoint_ns: "" } });
    const messages = ((tuple?.checkpoint.channel_values as { messages?: BaseMessage[] } | undefined)?.messages ?? []).filter(isBaseMessage);
    if (messages.length === 0) {
      io.stderr.write(`No messages stored for thread ${threadId} (${persistence.kind}: ${persistence.location}).\n`);
      return EXIT.failed;
    }
    for (const m of messages) {
      const entry = {
        role: m.getType(),
        content: m.text,
        ...(isAIMessage(m) && m.tool_calls?.length ? { toolCalls: m.tool_calls.map((c) => c.name) } : {}),
        ...(isUnanswered(m) ? { unanswered: true } : {}),
        ...(isSummaryMessage(m) ? { summary: true } : {}),
      };
      if (options.json) renderJson(io.stdout, { type: "message", threadId, ...entry });
      // Stored text came from users, models and tools: on a terminal it must not act as escape sequences.
      else io.stdout.write(`${entry.role.padEnd(6)} ${terminalText(entry.content || (entry.toolCalls ? `[calls ${entry.toolCalls.join(", ")}]` : ""))}${entry.unanswered ? " (unanswered)" : ""}${entry.summary ? " (summary of earlier turns)" : ""}\n`);
    }
    const kept = await persistence.retention.stats(threadId);
    if (options.json) renderJson(io.stdout, { type: "checkpoints", threadId, ...kept });
    else io.stdout.write(`\n${retentionLine(kept)}\n`);
    return EXIT.ok;
  } finally {
    await persistence.close();
  }
}
