import { describe, expect, it } from "vitest";
import type { PlanCreatedEvent, StepEvent, SubtaskFinishedEvent, UsageSummary } from "../../graphs/orchestrator/events.js";
import { HumanRenderer } from "../../src/cli/render.js";

const spent = (costUsd: number): UsageSummary => ({
  perTier: {},
  total: { input: 100, output: 20, total: 120 },
  costUsd,
  premiumOnlyCostUsd: costUsd * 10,
  savingUsd: costUsd * 9,
  unknown: [],
  unpriced: [],
});

const SUBTASK_TEXT = "text only a subtask streamed";

const planCreated = (over: Partial<PlanCreatedEvent> = {}): PlanCreatedEvent => ({
  type: "plan_created",
  tier: "standard",
  maxParallel: 2,
  subtasks: [
    { id: "s1", task: "Find the population of Paris", dependsOn: [] },
    { id: "s2", task: "Look up\nthe area of Paris", agent: "researcher", dependsOn: [] },
    { id: "s3", task: "Compute the density", dependsOn: ["s1", "s2"] },
  ],
  ...over,
});

const s3Failed: SubtaskFinishedEvent = {
  type: "subtask_finished",
  subtaskId: "s3",
  agent: "standard_agent",
  tier: "standard",
  ok: false,
  usage: spent(0.0002),
  error: "The standard agent reached its step limit.\nTry a higher tier.",
  kind: "step_limit",
  escalations: 1,
};

/** A whole plan run: three subtasks (one fails after an escalation), then the synthesizer's answer. */
const planRun: StepEvent[] = [
  { type: "route_decided", tier: "standard", agent: "planner", reason: "several parts", source: "classifier", model: "m" },
  planCreated(),
  { type: "subtask_started", subtaskId: "s1", task: "Find the population of Paris", agent: "fast_agent", tier: "fast", reason: "short lookup", source: "rule" },
  { type: "subtask_started", subtaskId: "s2", task: "Look up the area of Paris", agent: "researcher", tier: "standard", reason: "planner asked", source: "explicit" },
  { type: "agent_started", subtaskId: "s1", tier: "fast", agent: "fast_agent", model: "m-fast", maxSteps: 4, tools: [] },
  { type: "token", subtaskId: "s1", text: SUBTASK_TEXT, tier: "fast", agent: "fast_agent" },
  { type: "tool_call", source: "builtin", subtaskId: "s2", tier: "standard", agent: "researcher", id: "c1", name: "http_get", args: { url: "http://127.0.0.1/paris" } },
  { type: "tool_result", source: "builtin", subtaskId: "s2", tier: "standard", agent: "researcher", id: "c1", name: "http_get", content: "105 km2", isError: false },
  { type: "subtask_finished", subtaskId: "s1", agent: "fast_agent", tier: "fast", ok: true, usage: spent(0.00012), escalations: 0 },
  { type: "subtask_finished", subtaskId: "s2", agent: "researcher", tier: "standard", ok: true, usage: spent(0.0123), escalations: 0 },
  { type: "subtask_started", subtaskId: "s3", task: "Compute the density", agent: "fast_agent", tier: "fast", reason: "default", source: "default" },
  { type: "escalation", subtaskId: "s3", from: "fast", to: "standard", agent: "standard_agent", reason: "Step limit.", kind: "step_limit", message: "Step limit." },
  s3Failed,
  { type: "token", text: "Paris has about ", tier: "standard", agent: "synthesizer" },
  { type: "token", text: "20,000 people per km2.", tier: "standard", agent: "synthesizer" },
  { type: "final_answer", tier: "standard", agent: "synthesizer", answer: "Paris has about 20,000 people per km2.", provider: "gateway", model: "m", simulated: false },
  { type: "usage", ...spent(0.0126), thread: spent(0.0126) },
];

function render(events: StepEvent[], colors: boolean, columns?: number): string {
  let out = "";
  const r = new HumanRenderer({ write: (s) => void (out += s), columns }, colors);
  for (const e of events) r.render(e);
  r.finish();
  return out;
}

const stripColors = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, "");

/** What a terminal `columns` wide shows after `text`: handles wrapping, \r, \n, cursor up and clear-below. */
function screen(text: string, columns: number): string[] {
  const rows: string[][] = [[]];
  let row = 0;
  let col = 0;
  for (let i = 0; i < text.length; ) {
    const esc = /^\u001b\[(\d*)([A-Za-z])/.exec(text.slice(i));
    if (esc) {
      if (esc[2] === "A") row = Math.max(0, row - Number(esc[1] || 1));
      if (esc[2] === "J") rows.splice(row + 1), (rows[row] = rows[row]!.slice(0, col));
      i += esc[0].length;
      continue;
    }
    const ch = String.fromCodePoint(text.codePointAt(i)!);
    i += ch.length;
    if (ch === "\r") col = 0;
    else if (ch === "\n") (row += 1), (col = 0);
    else {
      if (col === columns) (row += 1), (col = 0);
      rows[row] ??= [];
      rows[row]![col] = ch;
      col += 1;
    }
    rows[row] ??= [];
  }
  while (rows.length > 0 && rows[rows.length - 1]!.length === 0) rows.pop();
  return rows.map((r) => r.join(""));
}

describe("HumanRenderer, plan route", () => {
  it("prints the plan once and one line per change on plain output, with subtask events prefixed", () => {
    expect(render(planRun, false).split("\n")).toEqual([
      "route  standard · planner via classifier (several parts) · model m",
      "plan   3 subtasks on up to 2 at once (planner on standard)",
      "  s1 ○ waiting  Find the population of Paris",
      "  s2 ○ waiting  Look up the area of Paris",
      "  s3 ○ waiting  Compute the density",
      "subtask s1 started · fast agent via rule",
      "subtask s2 started · researcher agent (standard) via explicit",
      "[s1] agent  fast agent started · m-fast · up to 4 steps · tools: none",
      '[s2] tool   http_get({"url":"http://127.0.0.1/paris"})',
      "[s2]   ->    105 km2",
      "subtask s1 done · fast · $0.000120",
      "subtask s2 done · standard · $0.0123",
      "subtask s3 started · fast agent via default",
      "[s3] escalate fast -> standard: Step limit.",
      "subtask s3 FAILED · The standard agent reached its step limit. Try a higher tier.",
      "answer Paris has about 20,000 people per km2.",
      "combined by the synthesizer on the standard tier (gateway/m)",
      "usage  100 in + 20 out tokens · cost $0.0126 (premium alone $0.1260, saved $0.1134)",
      "",
    ]);
  });

  it("shows escalations of a finished subtask and says when its cost is unknown", () => {
    const events: StepEvent[] = [
      planCreated(),
      { type: "subtask_finished", subtaskId: "s1", agent: "standard_agent", tier: "standard", ok: true, usage: spent(0.0001), escalations: 2 },
      { type: "subtask_finished", subtaskId: "s2", agent: "fast_agent", tier: "fast", ok: true, usage: { ...spent(0), total: { input: 0, output: 0, total: 0 }, unknown: ["ollama"] }, escalations: 0 },
    ];
    const out = render(events, false);
    expect(out).toContain("subtask s1 done · standard · $0.000100 · escalated 2×\n");
    expect(out).toContain("subtask s2 done · fast · cost unknown\n");
  });

  it("rewrites the tree in place on a terminal and leaves it, final, above the synthesizer's answer", () => {
    const out = render(planRun, true, 120);
    // Each change moves up over the tree's 3 rows, clears, and prints it again: 6 changes.
    const redraw = "\u001b[3A\r\u001b[J";
    expect(out.split(redraw)).toHaveLength(7);
    const afterLastRedraw = stripColors(out.slice(out.lastIndexOf(redraw) + redraw.length)).split("\n");
    expect(afterLastRedraw.slice(0, 3)).toEqual([
      "  s1 ✓ done · fast · $0.000120  Find the population of Paris",
      "  s2 ✓ done · standard · $0.0123  Look up the area of Paris",
      "  s3 ✗ FAILED · The standard agent reached its step limit. Try a higher tier.  Compute the density",
    ]);
    // What the terminal shows in the end: the header once, the final tree, the answer below it.
    expect(screen(stripColors(out), 120)).toEqual([
      "route  standard · planner via classifier (several parts) · model m",
      "plan   3 subtasks on up to 2 at once (planner on standard)",
      ...afterLastRedraw.slice(0, 3),
      "answer Paris has about 20,000 people per km2.",
      "combined by the synthesizer on the standard tier (gateway/m)",
      "usage  100 in + 20 out tokens · cost $0.0126 (premium alone $0.1260, saved $0.1134)",
    ]);
    // Lines inside subtasks would break the rewrite: none were printed.
    expect(out).not.toContain("http_get");
    expect(out).not.toContain("escalate");
  });

  it("shows a running subtask with its agent while the plan runs", () => {
    const out = render(planRun.slice(0, 4), true, 80);
    expect(screen(stripColors(out), 80).slice(2)).toEqual([
      "  s1 ▶ running · fast agent  Find the population of Paris",
      "  s2 ▶ running · researcher agent (standard)  Look up the area of Paris",
      "  s3 ○ waiting  Compute the density",
    ]);
  });

  it("stops rewriting the tree at the first event outside the subtasks", () => {
    const events: StepEvent[] = [
      planCreated(),
      { type: "token", text: "Combined.", tier: "standard", agent: "synthesizer" },
      // A late change must not move the cursor up over the answer.
      { type: "subtask_finished", subtaskId: "s1", agent: "fast_agent", tier: "fast", ok: true, usage: spent(0.001), escalations: 0 },
    ];
    const out = render(events, true, 80);
    expect(out).not.toContain("\u001b[3A");
    expect(screen(stripColors(out), 80).slice(4)).toEqual(["answer Combined.", "subtask s1 done · fast · $0.001000"]);
  });

  it("never shows a subtask's own text, on a terminal or not", () => {
    for (const colors of [false, true]) {
      const out = render(planRun, colors, 80);
      expect(out).not.toContain(SUBTASK_TEXT);
      expect(stripColors(out).match(/answer /g)).toHaveLength(1);
    }
  });

  it("prints a subtask's approval request on a terminal, below the tree printed a last time", () => {
    const events: StepEvent[] = [
      planCreated(),
      { type: "subtask_started", subtaskId: "s2", task: "Look up the area of Paris", agent: "researcher", tier: "standard", reason: "r", source: "explicit" },
      { type: "tool_call", source: "builtin", subtaskId: "s2", tier: "standard", agent: "researcher", id: "c1", name: "http_get", args: { url: "http://127.0.0.1/x" } },
      {
        type: "approval_required",
        subtaskId: "s2",
        threadId: "t1",
        tier: "standard",
        agent: "researcher",
        callId: "c1",
        tool: "http_get",
        args: { url: "http://127.0.0.1/x" },
        allowedDecisions: ["approve", "reject"],
      },
      // After the pause (a resume), subtask events are printed as lines with their id.
      { type: "tool_result", source: "builtin", subtaskId: "s2", tier: "standard", agent: "researcher", id: "c1", name: "http_get", content: "ok", isError: false },
      { type: "subtask_finished", subtaskId: "s2", agent: "researcher", tier: "standard", ok: true, usage: spent(0.001), escalations: 0 },
    ];
    const out = stripColors(render(events, true, 140));
    expect(screen(out, 140)).toEqual([
      "plan   3 subtasks on up to 2 at once (planner on standard)",
      "  s1 ○ waiting  Find the population of Paris",
      "  s2 ▶ running · researcher agent (standard)  Look up the area of Paris",
      "  s3 ○ waiting  Compute the density",
      '[s2] approval the researcher agent (standard) wants to run http_get({"url":"http://127.0.0.1/x"}) · allowed: approve, reject',
      "[s2]   ->    ok",
      "subtask s2 done · standard · $0.001000",
    ]);
    expect(out).not.toContain("tool   http_get");
  });

  it("cuts a long task to the terminal's width so every tree line takes one row", () => {
    const long = `Compare ${"the history of every district of Paris ".repeat(5)}`;
    const events: StepEvent[] = [
      planCreated({ subtasks: [{ id: "s1", task: long, dependsOn: [] }] }),
      { type: "subtask_finished", subtaskId: "s1", agent: "fast_agent", tier: "fast", ok: false, usage: spent(0), error: "x".repeat(100), escalations: 0 },
    ];
    const out = render(events, true, 40);
    const waiting = stripColors(out).split("\n")[1]!;
    expect(waiting).toBe("  s1 ○ waiting  Compare the history of…");
    expect([...waiting].length).toBeLessThanOrEqual(40);
    // A state longer than the width is cut too, leaving no room for the task. (The header,
    // printed once above the tree, may wrap: the rewrite never moves over it.)
    const shown = screen(stripColors(out), 40);
    expect(shown).toEqual(["plan   1 subtask on up to 2 at once (pla", "nner on standard)", `  s1 ✗ FAILED · ${"x".repeat(23)}…`]);
    expect([...shown[2]!]).toHaveLength(40);
    expect(out).toContain("\u001b[1A\r\u001b[J");
  });
});

describe("a terminal that reports no size", () => {
  it("draws the tree 80 columns wide instead of cutting every line to nothing", () => {
    let text = "";
    const renderer = new HumanRenderer({ write: (s) => void (text += s), columns: 0 }, true);
    renderer.render(planCreated());
    expect(text).toContain("Find the population of Paris");
  });
});
