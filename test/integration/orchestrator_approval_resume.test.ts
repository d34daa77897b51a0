/**
 * A malformed answer to a pending approval, sent straight to the graph (as Studio, the LangGraph
 * SDK or a raw Command does, bypassing `approvalResume`): the run fails with one line naming the
 * problem and the allowed decisions, as bad input (not a failure of the agent, no escalation, no
 * ledger row), and the approval stays pending, so a correct answer then runs the tool. Checked on
 * a thread's first pause and on a second run of the same thread that pauses again.
 */
import { Command, MemorySaver } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { pendingApprovals } from "../../graphs/orchestrator/approvals.js";
import { OrchestratorInputError } from "../../graphs/orchestrator/errors.js";
import type { StepEvent } from "../../graphs/orchestrator/events.js";
import { createOrchestrator, type OrchestratorGraph } from "../../graphs/orchestrator/graph.js";
import type { StepsInput } from "../../graphs/orchestrator/stream.js";
import { streamSteps } from "../../src/runs/index.js";
import type { UsageEntry, UsageLedger } from "../../src/usage/ledger.js";
import { silentLogger } from "../helpers/gateway.js";
import { emulatorForFile, ofType } from "../helpers/orchestrator.js";

const file = emulatorForFile();

/** A ledger that keeps its rows in memory, to see whether a run wrote one. */
function memoryLedger(): UsageLedger & { rows: UsageEntry[] } {
  const rows: UsageEntry[] = [];
  return {
    rows,
    append: async (entries) => void rows.push(...entries),
    spent: async () => rows.reduce((n, r) => n + r.costUsd, 0),
    report: async () => [],
  };
}

/** The events of one run and the error it ended with, if any. */
async function run(graph: OrchestratorGraph, input: StepsInput, threadId: string) {
  const events: StepEvent[] = [];
  try {
    for await (const e of streamSteps(input, { graph, threadId, tenant: "acme" })) events.push(e);
    return { events, error: undefined };
  } catch (error) {
    return { events, error: error as Error };
  }
}

type Bad = { resume: (interruptId: string) => unknown; message: string };

// The policy allows approve and edit, so a reject is a decision the policy does not allow.
const POLICY = { approvals: { calculator: ["approve", "edit"] } };
const BAD: Record<string, Bad> = {
  'a misspelt "aprove"': { resume: () => ({ decisions: [{ type: "aprove" }] }), message: 'Unknown decision "aprove" for calculator; its policy allows approve, edit.' },
  'an unknown "maybe"': { resume: () => ({ decisions: [{ type: "maybe" }] }), message: 'Unknown decision "maybe" for calculator; its policy allows approve, edit.' },
  'a bare "yes"': { resume: () => "yes", message: `not "yes"; calculator's policy allows approve, edit.` },
  "an edit without args": { resume: () => ({ decisions: [{ type: "edit", editedAction: { name: "calculator" } }] }), message: "An edit needs the new arguments of calculator as a JSON object" },
  "an edit that names another tool": {
    resume: () => ({ decisions: [{ type: "edit", editedAction: { name: "other_tool", args: { expression: "2 + 2" } } }] }),
    message: 'An edit may change the arguments of calculator, not the tool: editedAction.name must be "calculator", not "other_tool".',
  },
  "a decision the policy does not allow": { resume: () => ({ decisions: [{ type: "reject", message: "no" }] }), message: '"reject" is not allowed for calculator; its policy allows approve, edit.' },
  "two decisions for one call": { resume: () => ({ decisions: [{ type: "approve" }, { type: "approve" }] }), message: "1 tool call waits for a decision; 2 were given; calculator's policy allows approve, edit." },
  "a bad answer keyed by the interrupt id": { resume: (id) => ({ [id]: { decisions: [{ type: "aprove" }] } }), message: 'Unknown decision "aprove" for calculator; its policy allows approve, edit.' },
};

// The correct answers, taken in turn: the project's own, a raw Command, and one keyed by interrupt id.
const GOOD: ((interruptId: string) => StepsInput)[] = [
  () => ({ approval: { decision: "approve" } }),
  () => new Command({ resume: { decisions: [{ type: "approve" }] } }),
  (id) => new Command({ resume: { [id]: { decisions: [{ type: "approve" }] } } }),
];

describe("a malformed answer to a pending approval, sent to the graph", () => {
  it.each(Object.entries(BAD).map(([what, bad], i) => [what, bad, i] as const))("refuses %s in one line and keeps the approval, on a first and a second pause", async (_what, bad, i) => {
    // The graph writes the ledger rows of its runs.
    const ledger = memoryLedger();
    const graph = createOrchestrator({ ...(await file.runtimeWith(POLICY)), checkpointer: new MemorySaver(), logger: silentLogger, ledger });
    const threadId = `bad-resume-${i}`;
    for (const [round, [task, answer]] of [["What is 2 + 2?", "calculator: 4"], ["What is 3 + 3?", "calculator: 6"]].entries()) {
      const paused = await run(graph, task, threadId);
      expect(paused.error).toBeUndefined();
      expect(ofType(paused.events, "approval_required"), `round ${round + 1}`).toHaveLength(1);
      const pending = await pendingApprovals(graph, threadId);
      expect(pending).toHaveLength(1);
      const rowsBefore = ledger.rows.length;

      const refused = await run(graph, new Command({ resume: bad.resume(pending[0].interruptId) }), threadId);
      expect(refused.error, `round ${round + 1}`).toBeInstanceOf(OrchestratorInputError);
      expect(refused.error!.message).toContain(bad.message);
      expect(refused.error!.message).not.toContain("\n");
      expect(refused.error!.message).not.toMatch(/unexpectedly/);
      // Bad input, not a failure of the agent: no escalation, no tool run, no usage, no ledger row.
      expect(refused.events.map((e) => e.type)).not.toContain("escalation");
      expect(ofType(refused.events, "tool_result")).toEqual([]);
      expect(ofType(refused.events, "usage")).toEqual([]);
      expect(ledger.rows.length).toBe(rowsBefore);
      // The approval still waits, unchanged.
      expect(await pendingApprovals(graph, threadId)).toEqual(pending);

      const done = await run(graph, GOOD[(i + round) % GOOD.length](pending[0].interruptId), threadId);
      expect(done.error).toBeUndefined();
      expect(ofType(done.events, "tool_result")).toEqual([expect.objectContaining({ name: "calculator", isError: false })]);
      expect(ofType(done.events, "final_answer")[0].answer).toContain(answer);
      expect(await pendingApprovals(graph, threadId)).toEqual([]);
    }
    const state = (await graph.getState({ configurable: { thread_id: threadId } })).values as { approvals: { decision: string }[] };
    expect(state.approvals.map((a) => a.decision)).toEqual(["approve", "approve"]);
  });

  it("a second malformed answer in a row is refused too, and the approval still waits", async () => {
    // The graph writes the ledger rows of its runs.
    const ledger = memoryLedger();
    const graph = createOrchestrator({ ...(await file.runtimeWith(POLICY)), checkpointer: new MemorySaver(), logger: silentLogger, ledger });
    const threadId = "bad-twice";
    await run(graph, "What is 5 + 5?", threadId);
    const pending = await pendingApprovals(graph, threadId);
    for (const resume of ["yes", { decisions: [{ type: "maybe" }] }]) {
      const refused = await run(graph, new Command({ resume }), threadId);
      expect(refused.error).toBeInstanceOf(OrchestratorInputError);
      expect(await pendingApprovals(graph, threadId)).toEqual(pending);
    }
    const done = await run(graph, { approval: { decision: "edit", args: { expression: "5 * 5" } } }, threadId);
    expect(ofType(done.events, "final_answer")[0].answer).toContain("calculator: 25");
  });
});
