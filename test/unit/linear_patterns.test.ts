/**
 * The task patterns of the router and the emulator bound their whitespace and parenthesis runs
 * (at most 8), which is what keeps them linear in the task's length: two open-ended runs side by
 * side took seconds to reject a 20,000-character task. These tests pin the bound itself; the time
 * it buys is measured by `npm run bench:hostile`.
 */
import { describe, expect, it } from "vitest";
import { detectNeededTools } from "../../graphs/orchestrator/routing.js";
import { simulateCompletion } from "../../src/emulator/simulated_model.js";
import { extractExpression } from "../../src/emulator/text.js";

const gap = (n: number) => " ".repeat(n);

describe("bounded runs in the task patterns", () => {
  it("the router sees arithmetic across up to 8 spaces, and not across a longer run", () => {
    expect(detectNeededTools(`1${gap(8)}+${gap(8)}2`)).toContain("calculator");
    expect(detectNeededTools(`12.5%${gap(8)}of 3480`)).toContain("calculator");
    expect(detectNeededTools(`1${gap(9)}+ 2`)).not.toContain("calculator");
    expect(detectNeededTools(`1%${gap(50)}x`)).toEqual([]);
  });

  it("the emulator extracts expressions across short runs of spaces or parentheses, and not across longer ones", () => {
    // A term's trailing run and the operator's leading run are 8 each: 16 spaces at most in a row.
    expect(extractExpression(`2${gap(16)}*${gap(8)}3`)).toBe(`2${gap(16)}*${gap(8)}3`);
    expect(extractExpression("((((((((1 + 2))))))))")).toBe("((((((((1 + 2))))))))");
    expect(extractExpression(`2${gap(17)}* 3`)).toBeUndefined();
    expect(extractExpression(`12.5%${gap(9)}of 3480`)).toBeUndefined();
  });

  it("a 20,000-digit task gets the right answer: no expression in one long number, the whole sum in two", () => {
    const digits = "7".repeat(20_000);
    expect(extractExpression(digits)).toBeUndefined();
    const sum = `${"9".repeat(9_998)} + ${"1".repeat(9_998)}`;
    expect(extractExpression(sum)).toBe(sum);
    const calculator = { type: "function" as const, function: { name: "calculator", description: "Evaluate arithmetic", parameters: { type: "object", properties: { expression: { type: "string" } } } } };
    const plain = simulateCompletion({ model: "m", messages: [{ role: "user", content: digits }], tools: [calculator] });
    expect(plain.toolCalls).toEqual([]);
    expect(plain.content?.startsWith("Simulated answer from m: 777")).toBe(true);
    const call = simulateCompletion({ model: "m", messages: [{ role: "user", content: `What is ${sum}?` }], tools: [calculator] });
    expect(call.toolCalls.map((c) => [c.name, JSON.parse(c.arguments)])).toEqual([["calculator", { expression: sum }]]);
  });
});
