/** The CLI's commands: run a task (the main job), show the tier mapping, verify providers. */
import { randomUUID } from "node:crypto";
import { isAIMessage, isBaseMessage, type BaseMessage } from "@langchain/core/messages";
import { createInterface } from "node:readline/promises";
import type { StepEvent } from "../../graphs/orchestrator/events.js";
import { createOrchestrator } from "../../graphs/orchestrator/graph.js";
import { createCheckpointer } from "../../graphs/persistence.js";
import { createRuntime, type Runtime } from "../runtime/index.js";
import { streamSteps } from "../../graphs/orchestrator/stream.js";
import type { RoutingMode } from "../providers/routing_rules.js";
import { scrubText } from "../logging/index.js";
import { PROVIDERS, TIERS, type Tier } from "../providers/types.js";
import { HumanRenderer, renderJson, type Output } from "./render.js";

/** Exit codes: 0 success, 1 the run or a check failed, 2 bad usage or configuration, 130 interrupted. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** Options of the run command. */
export interface RunOptions {
  tier?: Tier;
  thread?: string;
  json?: boolean;
  routing?: RoutingMode;
}

/** What every command gets. */
export interface CommandIO {
  stdout: Output;
  stderr: Output;
  colors: boolean;
  signal: AbortSignal;
}

async function withRuntime<T>(io: CommandIO, json: boolean, body: (rt: Runtime) => Promise<T>): Promise<T> {
  const runtime = await createRuntime({
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
  return withRuntime(io, !!options.json, async (runtime) => {
    const persistence = await createCheckpointer();
    try {
      const graph = createOrchestrator({ registry: runtime.registry, simulated: runtime.simulated, checkpointer: persistence.checkpointer });
      // The graph is built once and serves every run of an interactive session.
      const threadId = options.thread ?? randomUUID();
      const runOne = (text: string) => runTask(graph, text, threadId, options, io, runtime.simulated);
      if (task) return await runOne(task);
      io.stderr.write(`Interactive session (thread ${threadId}). Type a task; an empty line or Ctrl-D ends.\n`);
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        let code: number = EXIT.ok;
        for (;;) {
          const line = (await rl.question("> ").catch(() => "")).trim();
          if (!line) return code;
          code = await runOne(line);
        }
      } finally {
        rl.close();
      }
    } finally {
      await persistence.close();
    }
  });
}

async function runTask(
  graph: ReturnType<typeof createOrchestrator>,
  task: string,
  threadId: string,
  options: RunOptions,
  io: CommandIO,
  simulated: boolean,
): Promise<number> {
  const started = performance.now();
  const human = options.json ? undefined : new HumanRenderer(io.stdout, io.colors);
  if (options.json) renderJson(io.stdout, { type: "run_started", threadId, task, simulated });
  else io.stderr.write(`thread ${threadId}\n`);
  try {
    for await (const event of streamSteps(task, { graph, threadId, tier: options.tier, routingMode: options.routing, signal: io.signal })) {
      if (options.json) renderJson(io.stdout, event as StepEvent);
      else human!.render(event);
    }
    const elapsedMs = Math.round(performance.now() - started);
    if (options.json) renderJson(io.stdout, { type: "run_finished", threadId, elapsedMs });
    else {
      human!.finish();
      io.stdout.write(`done in ${(elapsedMs / 1000).toFixed(2)} s · continue with --thread ${threadId}\n`);
    }
    return EXIT.ok;
  } catch (err) {
    human?.finish();
    const interrupted = io.signal.aborted;
    const message = scrubText(interrupted ? "Interrupted." : err instanceof Error ? err.message : String(err));
    if (options.json) renderJson(io.stdout, { type: "error", message });
    io.stderr.write(`error: ${message}\n`);
    return interrupted ? EXIT.interrupted : EXIT.failed;
  }
}

/** Prints the model of each tier and where it came from. */
export async function modelsCommand(options: { json?: boolean }, io: CommandIO): Promise<number> {
  return withRuntime(io, !!options.json, async ({ registry, simulated }) => {
    const selections = registry.gatewaySelections();
    const order = registry.providerOrder();
    const rows = TIERS.map((tier) => ({
      tier,
      gatewayModel: selections[tier].model,
      source: selections[tier].source,
      fallbacks: order.filter((p) => p !== "gateway").map((p) => `${p}:${registry.modelId(p, tier)}`),
    }));
    if (options.json) {
      renderJson(io.stdout, { type: "models", simulated, providers: order, tiers: rows });
      return EXIT.ok;
    }
    io.stdout.write(`providers in order: ${order.join(" -> ") || "(none)"}${simulated ? "  [gateway = local emulator, SIMULATED]" : ""}\n`);
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
      }
    }
    return failed === 0 ? EXIT.ok : EXIT.failed;
  });
}

/** Prints the conversation stored for a thread (no model is called, no graph is built). */
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
      const entry = { role: m.getType(), content: m.text, ...(isAIMessage(m) && m.tool_calls?.length ? { toolCalls: m.tool_calls.map((c) => c.name) } : {}) };
      if (options.json) renderJson(io.stdout, { type: "message", threadId, ...entry });
      else io.stdout.write(`${entry.role.padEnd(6)} ${entry.content || (entry.toolCalls ? `[calls ${entry.toolCalls.join(", ")}]` : "")}\n`);
    }
    return EXIT.ok;
  } finally {
    await persistence.close();
  }
}
