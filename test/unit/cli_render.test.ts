import { describe, expect, it } from "vitest";
import type { StepEvent, UsageEvent } from "../../graphs/orchestrator/events.js";
import { HumanRenderer, usageLine } from "../../src/cli/render.js";

const summary = { perTier: {}, total: { input: 10, output: 5, total: 15 }, costUsd: 0.0001, premiumOnlyCostUsd: 0.0001, savingUsd: 0, unknown: [] as string[], unpriced: [] as string[] };
const usage = (over: Partial<UsageEvent> = {}): UsageEvent => ({ type: "usage", ...summary, thread: { ...summary }, ...over });

/** A cut fast attempt, then the standard tier's answer. */
const cutThenAnswer: StepEvent[] = [
  { type: "agent_started", tier: "fast", agent: "fast_agent", model: "m", maxSteps: 4, tools: [] },
  { type: "token", text: "Partial answer ", tier: "fast", agent: "fast_agent" },
  { type: "token", text: "that is", tier: "fast", agent: "fast_agent" },
  { type: "attempt_discarded", tier: "fast", agent: "fast_agent", provider: "gateway", reason: "The stream broke.", kind: "stream_cut" },
  { type: "escalation", from: "fast", to: "standard", agent: "standard_agent", reason: "The stream broke.", kind: "stream_cut", message: "The stream broke." },
  { type: "agent_started", tier: "standard", agent: "standard_agent", model: "m", maxSteps: 8, tools: [] },
  { type: "token", text: "The real answer.", tier: "standard", agent: "standard_agent" },
  { type: "final_answer", tier: "standard", agent: "standard_agent", answer: "The real answer.", provider: "gateway", model: "m", simulated: false },
];

function render(events: StepEvent[], colors: boolean, columns?: number): string {
  let out = "";
  const r = new HumanRenderer({ write: (s) => void (out += s), columns }, colors);
  for (const e of events) r.render(e);
  r.finish();
  return out;
}

describe("HumanRenderer", () => {
  it("names the source of an app's own tool, and a compiled graph agent's missing step limit", () => {
    const out = render(
      [
        { type: "agent_started", tier: "fast", agent: "digest", model: "m", maxSteps: 0, tools: [] },
        { type: "tool_call", source: "code", tier: "fast", agent: "clerk", id: "c1", name: "file_refund", args: { order: "42" } },
        { type: "tool_call", source: "builtin", tier: "fast", agent: "clerk", id: "c2", name: "calculator", args: { expression: "1 + 1" } },
      ],
      false,
    );
    expect(out).toContain("digest agent (fast) started · m · no step limit · tools: none");
    expect(out).toContain('file_refund({"order":"42"}) · code');
    expect(out).toContain('calculator({"expression":"1 + 1"})\n');
  });

  it("never shows a discarded attempt's text as the answer (plain output)", () => {
    const out = render(cutThenAnswer, false);
    const answers = out.split("\n").filter((l) => l.startsWith("answer "));
    expect(answers).toEqual(["answer The real answer."]);
    expect(out).toContain("discarded text: Partial answer that is [cut off, not the answer]");
    expect(out.indexOf("discarded text")).toBeLessThan(out.indexOf("answer The real answer."));
  });

  it("re-prints a discarded attempt struck through and dimmed on a terminal", () => {
    const out = render(cutThenAnswer, true, 80);
    // Streamed live, then: back to the line's start, clear, strike-through + dim.
    expect(out).toContain("Partial answer that is");
    expect(out).toContain("\r\u001b[J\u001b[2;9manswer Partial answer that is\u001b[0m\n");
    // The real answer streamed after it, not struck.
    expect(out).toMatch(/answer \u001b\[0mThe real answer\.\n/);
  });

  it("moves up over every row a long discarded draft took", () => {
    const long: StepEvent[] = [
      { type: "token", text: "x".repeat(100), tier: "fast", agent: "fast_agent" },
      { type: "attempt_discarded", tier: "fast", agent: "fast_agent", provider: "gateway", reason: "r", kind: "stream_cut" },
    ];
    // "answer " + 100 chars = 107 columns: two rows at 80 wide, so one row up.
    expect(render(long, true, 80)).toContain("\u001b[1A\r\u001b[J");
  });

  it("says usage was not reported instead of printing zeros, and shows the thread total when it differs", () => {
    expect(usageLine(usage({ total: { input: 0, output: 0, total: 0 }, unknown: ["gateway"] }))).toBe("usage not reported by gateway · cost unknown");
    expect(usageLine(usage({ unknown: ["ollama"] }))).toMatch(/^10 in \+ 5 out tokens · .* · usage not reported by ollama for some calls$/);
    const out = render([usage({ thread: { ...summary, total: { input: 30, output: 10, total: 40 }, costUsd: 0.0003 } })], false);
    expect(out).toContain("usage  10 in + 5 out tokens");
    expect(out).toContain("thread 30 in + 10 out tokens · cost $0.000300 over the thread so far");
    expect(render([usage()], false)).not.toContain("thread ");
  });

  it("names calls with no known price instead of counting them as free, and says when premium's price is unknown", () => {
    expect(usageLine(usage({ unpriced: ["gateway/acme-llm"], savingUsd: null }))).toBe(
      "10 in + 5 out tokens · cost $0.000100 + unpriced calls (premium alone $0.000100) · no known price for gateway/acme-llm",
    );
    expect(usageLine(usage({ costUsd: 0, unpriced: ["gateway/acme-llm"], premiumOnlyCostUsd: null, savingUsd: null }))).toBe(
      "10 in + 5 out tokens · cost unknown (premium alone: no known price) · no known price for gateway/acme-llm",
    );
  });
});
