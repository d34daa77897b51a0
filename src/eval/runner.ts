/**
 * Runs every task under every strategy through the orchestrator's `streamSteps` (the same path
 * as `npm start`), checks each answer and records tier, cost and latency. Cost is the run's
 * `usage` event as it stands, so the eval prices calls exactly as runs do.
 */
import { randomUUID } from "node:crypto";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import type { OrchestratorGraph } from "../../graphs/orchestrator/graph.js";
import { streamSteps } from "../runs/index.js";
import type { UsageEvent } from "../../graphs/orchestrator/events.js";
import { scrubText } from "../logging/index.js";
import type { RoutingMode } from "../policy/routing_rules.js";
import type { Tier } from "../providers/types.js";
import { checkAnswer, type Judge, type Verdict } from "./checks.js";
import { randomTiers } from "./random.js";
import { STRATEGIES, type Strategy, type TaskOutcome } from "./stats.js";
import type { EvalTask } from "./tasks.js";

/** What the runner needs. */
export interface EvalRunOptions {
  graph: OrchestratorGraph;
  /**
   * The graph's checkpointer, if it has one: each run then gets a thread of its own, dropped
   * afterwards. A tool that needs approval can only pause (and be reported) on a thread.
   */
  checkpointer?: BaseCheckpointSaver;
  /** Grades `judge: true` tasks; without it they fail with a note. */
  judge?: Judge;
  /** Seed of the random baseline. */
  seed: number;
  /** Routing mode of the router strategy (default: the configured one). */
  routingMode?: RoutingMode;
  /** Longest one run may take before it counts as failed (ms). */
  timeoutMs: number;
  /** Tasks run at once (each task's five runs stay in sequence). */
  concurrency: number;
  /** Stops the whole eval (Ctrl-C). */
  signal?: AbortSignal;
  /** Called after each task's runs, in completion order. */
  onTask?: (task: EvalTask, outcomes: TaskOutcome[], done: number) => void;
}

/** The outcomes of an eval, and whether any answer came from a simulated model. */
export interface EvalRun {
  outcomes: TaskOutcome[];
  /** The random baseline's tier of each task, by id. */
  randomTiers: Record<string, Tier>;
  simulated: boolean;
}

/** What one run produced before its answer was checked. */
interface RunResult {
  answer?: string;
  tier?: Tier;
  costUsd?: number;
  simulated: boolean;
  error?: string;
  latencyMs: number;
}

const message = (err: unknown) => scrubText(err instanceof Error ? err.message : String(err)).replace(/\s+/g, " ").slice(0, 300);

/** A usage event's cost, or undefined when some call reported no usage or has no known price (the figure would be short). */
const knownCost = (e: UsageEvent) => (e.unknown.length === 0 && (e.unpriced ?? []).length === 0 && Number.isFinite(e.costUsd) ? e.costUsd : undefined);

/** Runs one task once, forced onto `tier` or routed when it is undefined. */
async function runOnce(task: EvalTask, tier: Tier | undefined, options: EvalRunOptions): Promise<RunResult> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const started = performance.now();
  const result: RunResult = { simulated: false, latencyMs: 0 };
  let usageSeen = false;
  const threadId = options.checkpointer ? `eval-${randomUUID()}` : undefined;
  try {
    const steps = streamSteps(task.task, { graph: options.graph, threadId, tier, routingMode: tier ? undefined : options.routingMode, signal, tokens: false });
    for await (const e of steps) {
      if (e.type === "route_decided") result.tier = e.tier;
      else if ((e.type === "agent_started" || e.type === "escalation") && e.subtaskId === undefined) result.tier = e.type === "escalation" ? e.to : e.tier;
      else if (e.type === "final_answer") {
        result.answer = e.answer;
        result.tier = e.tier;
        result.simulated ||= e.simulated;
      } else if (e.type === "usage") {
        usageSeen = true;
        result.costUsd = knownCost(e);
      } else if (e.type === "approval_required") {
        // Nobody is there to decide, and a guessed decision would skew the figures.
        result.error = `the ${e.tool} tool needs approval, which an eval cannot give; leave such tasks out or allow the tool in TIERS_CONFIG`;
        break;
      }
    }
    if (!usageSeen) result.costUsd = undefined;
  } catch (err) {
    if (options.signal?.aborted) throw err;
    result.error = timeout.aborted ? `timed out after ${options.timeoutMs} ms` : message(err);
  }
  result.latencyMs = performance.now() - started;
  if (threadId) await options.checkpointer!.deleteThread(threadId);
  return result;
}

/** Checks a run's answer; a run without one fails with its error. */
async function verdictOf(task: EvalTask, run: RunResult, judge: Judge | undefined): Promise<Verdict> {
  if (run.answer === undefined) return { pass: false, detail: run.error ?? "no answer" };
  if (task.check.kind === "judge" && !judge) return { pass: false, detail: "no judge available" };
  try {
    return await checkAnswer(task, run.answer, judge);
  } catch (err) {
    return { pass: false, detail: `the judge failed: ${message(err)}` };
  }
}

/** Runs `tasks` under every strategy and checks every answer. */
export async function runEval(tasks: readonly EvalTask[], options: EvalRunOptions): Promise<EvalRun> {
  const drawn = randomTiers(tasks.length, options.seed);
  const byTask: TaskOutcome[][] = tasks.map(() => []);
  let simulated = false;
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (let i = next++; i < tasks.length; i = next++) {
      const task = tasks[i];
      for (const strategy of STRATEGIES) {
        const tier: Tier | undefined = strategy === "router" ? undefined : strategy === "random" ? drawn[i] : strategy;
        const run = await runOnce(task, tier, options);
        simulated ||= run.simulated;
        const verdict = await verdictOf(task, run, options.judge);
        byTask[i].push({
          taskId: task.id,
          strategy: strategy as Strategy,
          ...(run.tier ? { tier: run.tier } : {}),
          pass: verdict.pass,
          detail: verdict.detail,
          ...(run.costUsd !== undefined ? { costUsd: run.costUsd } : {}),
          latencyMs: run.latencyMs,
          ...(run.error !== undefined ? { error: run.error } : {}),
        });
      }
      options.onTask?.(task, byTask[i], ++done);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, tasks.length)) }, worker));
  return { outcomes: byTask.flat(), randomTiers: Object.fromEntries(tasks.map((t, i) => [t.id, drawn[i]])), simulated };
}
