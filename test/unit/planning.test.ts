import { describe, expect, it } from "vitest";
import { checkPlan, planSchema, readySubtasks, subtaskPrompt, synthesizerInput, uncombinedAnswer } from "../../graphs/orchestrator/planning.js";
import type { SubtaskResult } from "../../graphs/orchestrator/state.js";

const sub = (id: string, task: string, dependsOn: string[] = [], extra: Record<string, string> = {}) => ({ id, task, agent: "auto", tier: "auto" as const, dependsOn, ...extra });

describe("checkPlan", () => {
  it("keeps a good plan, making ids unique and safe and dropping unknown or self dependencies", () => {
    const out = checkPlan({ subtasks: [sub("a", "one"), sub("a", "two", ["a", "zz"]), sub("b c\n", "three", ["a", "b c\n"])] }, []);
    expect(out).toEqual({
      subtasks: [
        { id: "a", task: "one", agent: undefined, tier: undefined, dependsOn: [] },
        { id: "a_2", task: "two", agent: undefined, tier: undefined, dependsOn: ["a"] },
        { id: "bc", task: "three", agent: undefined, tier: undefined, dependsOn: ["a"] },
      ],
    });
  });

  it("keeps a known agent and an explicit tier, turns an unknown agent into a routing decision", () => {
    const out = checkPlan({ subtasks: [sub("t1", "x", [], { agent: "writer", tier: "premium" }), sub("t2", "y", [], { agent: "ghost" })] } as never, ["writer"]);
    expect(out).toMatchObject({ subtasks: [{ agent: "writer", tier: "premium" }, { agent: undefined, tier: undefined }] });
  });

  it("refuses a cycle, naming it, and a plan with no text", () => {
    expect(checkPlan({ subtasks: [sub("a", "x", ["b"]), sub("b", "y", ["a"])] }, [])).toEqual({ problem: "the planner's subtasks depend on each other in a circle (a -> b -> a)" });
    expect(checkPlan({ subtasks: [sub("a", "  \u0007 ")] }, [])).toEqual({ problem: "the planner returned no subtask with text" });
  });

  it("bounds the planner's schema by maxSubtasks", () => {
    expect(planSchema(2).safeParse({ subtasks: [sub("a", "x"), sub("b", "y"), sub("c", "z")] }).success).toBe(false);
    expect(planSchema(2).parse({ subtasks: [{ id: "a", task: "x" }] }).subtasks[0]).toEqual({ id: "a", task: "x", agent: "auto", tier: "auto", dependsOn: [] });
  });
});

describe("scheduling and prompts", () => {
  const plan = [
    { id: "a", task: "find the numbers", dependsOn: [] },
    { id: "b", task: "add them", dependsOn: ["a"] },
    { id: "c", task: "write it up", dependsOn: [] },
  ];
  const done = (id: string, ok: boolean, answer?: string): SubtaskResult => ({ id, task: id, agent: "fast_agent", tier: "fast", ok, answer, error: ok ? undefined : { kind: "timeout", message: "too slow" }, usage: {}, escalations: 0 });

  it("a subtask is ready once everything it depends on has finished, well or not", () => {
    expect(readySubtasks(plan, [], new Set()).map((s) => s.id)).toEqual(["a", "c"]);
    expect(readySubtasks(plan, ["a", "c"], new Set(["c"])).map((s) => s.id)).toEqual([]);
    expect(readySubtasks(plan, ["a", "c"], new Set(["a", "c"])).map((s) => s.id)).toEqual(["b"]);
  });

  it("gives a dependent subtask the results it needs, and the synthesizer every part with failures marked", () => {
    const results = { a: done("a", false), c: done("c", true, "written") };
    expect(subtaskPrompt(plan[1], results)).toBe("add them\n\nResults you can use:\n- a (a): not available: too slow");
    expect(synthesizerInput("the task", plan, results)).toBe(
      "Task: the task\n\nResults of its parts:\n- a (find the numbers): FAILED: too slow\n- b (add them): FAILED: it was not done\n- c (write it up): written",
    );
    expect(uncombinedAnswer(plan, results, "the model failed")).toContain("- write it up: written");
  });
});
