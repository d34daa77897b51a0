/** The eval runner on a real orchestrator over the emulator: strategies, tiers, costs, judge and failures. */
import { MemorySaver } from "@langchain/langgraph";
import { describe, expect, it, vi } from "vitest";
import { createOrchestrator } from "../../graphs/orchestrator/graph.js";
import type { Judge } from "../../src/eval/checks.js";
import { randomTiers } from "../../src/eval/random.js";
import { runEval } from "../../src/eval/runner.js";
import { parseTasks } from "../../src/eval/tasks.js";
import { silentLogger } from "../helpers/gateway.js";
import { emulatorForFile } from "../helpers/orchestrator.js";

const file = emulatorForFile();

const tasks = parseTasks(
  [
    '{"id": "sum", "task": "What is 17 * 23 + 9?", "expected": "400"}',
    '{"id": "wrong", "task": "What is 17 * 23 + 9?", "expected": "401"}',
    '{"id": "graded", "task": "Write a haiku about rain.", "judge": true, "criteria": "about rain"}',
  ].join("\n"),
);

describe("runEval", () => {
  it("runs each task under every strategy, forcing tiers and drawing the random ones from the seed", async () => {
    const graph = createOrchestrator({ ...(await file.runtimeWith({})), logger: silentLogger });
    const judge = vi.fn<Judge>(async ({ answer }) => ({ pass: /rain/i.test(answer), detail: "judge: stand-in" }));
    const done: string[] = [];
    const run = await runEval(tasks, { graph, judge, seed: 7, timeoutMs: 30_000, concurrency: 2, onTask: (t) => done.push(t.id) });
    expect(run.simulated).toBe(true);
    expect(run.outcomes).toHaveLength(15);
    expect(done.sort()).toEqual(["graded", "sum", "wrong"]);
    const drawn = randomTiers(3, 7);
    expect(run.randomTiers).toEqual({ sum: drawn[0], wrong: drawn[1], graded: drawn[2] });
    for (const o of run.outcomes) {
      if (o.strategy === "fast" || o.strategy === "standard" || o.strategy === "premium") expect(o.tier).toBe(o.strategy);
      if (o.strategy === "random") expect(o.tier).toBe(run.randomTiers[o.taskId]);
      expect(o.error).toBeUndefined();
      expect(o.costUsd).toBeGreaterThan(0);
      expect(o.latencyMs).toBeGreaterThan(0);
    }
    const byTask = (id: string) => run.outcomes.filter((o) => o.taskId === id);
    // The emulator's calculator gets 400; the same answer fails a check that wants 401.
    expect(byTask("sum").every((o) => o.pass)).toBe(true);
    expect(byTask("wrong").every((o) => !o.pass && o.detail === 'does not match "401"')).toBe(true);
    // Every strategy's answer to the judged task went to the judge, which was told the criteria.
    expect(judge).toHaveBeenCalledTimes(5);
    expect(judge.mock.calls.every(([input]) => input.task === "Write a haiku about rain." && input.criteria === "about rain")).toBe(true);
    expect(byTask("graded").map((o) => o.detail)).toEqual(Array(5).fill("judge: stand-in"));
  });

  it("records a run that cannot answer (a judge that throws, a tool that needs approval, a timeout) as failed", async () => {
    const checkpointer = new MemorySaver();
    const graph = createOrchestrator({ ...(await file.runtimeWith({ approvals: { calculator: ["approve", "reject"] } })), checkpointer, logger: silentLogger });
    const judge: Judge = async () => {
      throw new Error("judge down");
    };
    const run = await runEval(tasks, { graph, checkpointer, judge, seed: 1, timeoutMs: 30_000, concurrency: 1 });
    for (const o of run.outcomes.filter((x) => x.taskId !== "graded")) {
      expect(o.pass).toBe(false);
      expect(o.error).toMatch(/the calculator tool needs approval, which an eval cannot give/);
    }
    // Each run's thread is dropped with it.
    expect(await checkpointer.list({}).next()).toMatchObject({ done: true });
    for (const o of run.outcomes.filter((x) => x.taskId === "graded")) expect(o).toMatchObject({ pass: false, detail: "the judge failed: judge down" });
    expect(run.outcomes.filter((x) => x.taskId === "graded").every((o) => o.error === undefined)).toBe(true);

    const slow = await runEval(tasks.slice(0, 1), { graph: createOrchestrator({ ...(await file.runtimeWith({})), logger: silentLogger }), seed: 1, timeoutMs: 1, concurrency: 1 });
    for (const o of slow.outcomes) expect(o).toMatchObject({ pass: false, error: "timed out after 1 ms", detail: "timed out after 1 ms" });
  });
});
