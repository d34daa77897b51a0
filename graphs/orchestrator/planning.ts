/**
 * The plan route's pure parts: the planner's structured-output schema and prompt, the check
 * that turns what a model returned into a plan that can run (unique ids, known dependencies,
 * no cycle, bounded size), which subtasks are ready, and the synthesizer's prompt.
 */
import { z } from "zod";
import { TIERS, type Tier } from "../../src/providers/types.js";
import type { PlannedSubtask } from "./events.js";
import type { AgentChoice } from "./routing.js";
import { OrchestratorError } from "./errors.js";
import type { OrchestratorStateType, SubtaskResult } from "./state.js";

const MAX_TASK_CHARS = 4_000;
const MAX_ID_CHARS = 40;

/** The planner's output schema: at most `maxSubtasks` subtasks; "auto" leaves agent and tier to the router. */
export function planSchema(maxSubtasks: number) {
  return z.object({
    subtasks: z
      .array(
        z.object({
          id: z.string().describe("short unique id, e.g. t1"),
          task: z.string().describe("the subtask, self-contained: it is done without seeing the others"),
          agent: z.string().default("auto").describe('a specialist\'s name, or "auto" to let the router choose'),
          tier: z.enum(["auto", ...TIERS]).default("auto").describe('fast, standard or premium, or "auto" to let the router choose'),
          dependsOn: z.array(z.string()).default([]).describe("ids of subtasks whose results this one needs"),
        }),
      )
      .min(1)
      .max(maxSubtasks),
  });
}

/** The planner's system prompt. */
export function plannerPrompt(maxSubtasks: number, agents: readonly AgentChoice[]): string {
  return (
    `Split the user's task into at most ${maxSubtasks} subtasks that can be done separately, then combined into one answer. ` +
    "Each subtask must be self-contained. Prefer independent subtasks so they can run at the same time; " +
    "list a dependency only when a subtask needs another's result. Keep each subtask as small as the work allows, " +
    'so the cheapest tier can do it; leave agent and tier as "auto" unless one is clearly needed.' +
    (agents.length > 0 ? `\nSpecialist agents:\n${agents.map((a) => `- ${a.name}: ${a.description}`).join("\n")}` : "")
  );
}

/** What a model returned for `planSchema`. */
export type PlanOutput = z.infer<ReturnType<typeof planSchema>>;

/**
 * Turns the planner's output into a plan that can run, or says why it cannot. Ids are made
 * unique and safe; dependencies on unknown ids are dropped; an unknown agent becomes "auto";
 * a cycle is refused.
 */
export function checkPlan(output: PlanOutput, agents: readonly string[]): { subtasks: PlannedSubtask[] } | { problem: string } {
  const subtasks: PlannedSubtask[] = [];
  const idOf = new Map<string, string>();
  for (const [i, raw] of output.subtasks.entries()) {
    const task = raw.task.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, " ").trim().slice(0, MAX_TASK_CHARS);
    if (!task) continue;
    let id = raw.id.replace(/[^A-Za-z0-9_.-]/g, "").slice(0, MAX_ID_CHARS) || `t${i + 1}`;
    while (subtasks.some((s) => s.id === id)) id = `${id}_${i + 1}`;
    if (!idOf.has(raw.id)) idOf.set(raw.id, id);
    subtasks.push({
      id,
      task,
      agent: raw.agent !== "auto" && agents.includes(raw.agent) ? raw.agent : undefined,
      tier: raw.tier === "auto" ? undefined : (raw.tier as Tier),
      dependsOn: raw.dependsOn,
    });
  }
  if (subtasks.length === 0) return { problem: "the planner returned no subtask with text" };
  for (const s of subtasks) {
    s.dependsOn = [...new Set(s.dependsOn.map((d) => idOf.get(d)).filter((d): d is string => d !== undefined && d !== s.id))];
  }
  const cycle = findCycle(subtasks);
  if (cycle) return { problem: `the planner's subtasks depend on each other in a circle (${cycle.join(" -> ")})` };
  return { subtasks };
}

/** A dependency cycle among `subtasks`, as the ids along it, or undefined. */
function findCycle(subtasks: readonly PlannedSubtask[]): string[] | undefined {
  const byId = new Map(subtasks.map((s) => [s.id, s]));
  const state = new Map<string, "visiting" | "done">();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === "done") return undefined;
    if (state.get(id) === "visiting") return [...path.slice(path.indexOf(id)), id];
    state.set(id, "visiting");
    path.push(id);
    for (const dep of byId.get(id)?.dependsOn ?? []) {
      const found = visit(dep);
      if (found) return found;
    }
    path.pop();
    state.set(id, "done");
    return undefined;
  };
  for (const s of subtasks) {
    const found = visit(s.id);
    if (found) return found;
  }
  return undefined;
}

/** Subtasks not yet started whose dependencies have all finished (well or not), in plan order. */
export function readySubtasks(subtasks: readonly PlannedSubtask[], started: readonly string[], finished: ReadonlySet<string>): PlannedSubtask[] {
  return subtasks.filter((s) => !started.includes(s.id) && s.dependsOn.every((d) => finished.has(d)));
}

/** The text an agent gets for a subtask: the subtask, plus the results of what it depends on. */
export function subtaskPrompt(subtask: PlannedSubtask, results: Readonly<Record<string, SubtaskResult>>): string {
  const inputs = subtask.dependsOn.map((d) => results[d]).filter((r): r is SubtaskResult => r !== undefined);
  if (inputs.length === 0) return subtask.task;
  const lines = inputs.map((r) => `- ${r.id} (${r.task}): ${r.ok ? r.answer : `not available: ${r.error?.message ?? "it failed"}`}`);
  return `${subtask.task}\n\nResults you can use:\n${lines.join("\n")}`;
}

/** The synthesizer's system prompt. */
export const SYNTHESIZER_PROMPT =
  "You combine the results of a task's parts into one answer to the user's task. Use only the results given. " +
  "If a part failed, say plainly which part could not be done and answer the rest.";

/** The synthesizer's user message: the task and every part's result, in plan order. */
export function synthesizerInput(task: string, subtasks: readonly PlannedSubtask[], results: Readonly<Record<string, SubtaskResult>>): string {
  const parts = subtasks.map((s) => {
    const r = results[s.id];
    if (!r) return `- ${s.id} (${s.task}): FAILED: it was not done`;
    return r.ok ? `- ${s.id} (${s.task}): ${r.answer}` : `- ${s.id} (${s.task}): FAILED: ${r.error?.message ?? "it failed"}`;
  });
  return `Task: ${task}\n\nResults of its parts:\n${parts.join("\n")}`;
}

/** An answer made without a model when the synthesizer fails: every part's result, and why they are not combined. */
export function uncombinedAnswer(subtasks: readonly PlannedSubtask[], results: Readonly<Record<string, SubtaskResult>>, why: string): string {
  const parts = subtasks.map((s) => {
    const r = results[s.id];
    return `- ${s.task}: ${r?.ok ? r.answer : `could not be done (${r?.error?.message ?? "not started"})`}`;
  });
  return `The parts could not be combined (${why}). Their results:\n${parts.join("\n")}`;
}

/**
 * This run's plan and the results its subtasks have reported so far (results of an earlier run
 * carry another run id and are not this run's). `node` names who asks, for the error.
 */
export function currentPlan(state: OrchestratorStateType, node: string) {
  const run = state.run;
  const plan = run?.plan;
  if (!run || !plan) throw new OrchestratorError(`The ${node} ran without a plan; plans start at the planner.`);
  const results: Readonly<Record<string, SubtaskResult>> = state.subtasks.runId === run.id ? state.subtasks.results : {};
  return { run, plan, results };
}
