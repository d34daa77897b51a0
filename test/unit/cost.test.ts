import { describe, expect, it } from "vitest";
import { addUsage, costOf, usageOfCalls, usageSummary } from "../../graphs/orchestrator/cost.js";

const prices = {
  fast: { inputPerMillion: 0.25, outputPerMillion: 2 },
  standard: { inputPerMillion: 1.25, outputPerMillion: 10 },
  premium: { inputPerMillion: 15, outputPerMillion: 120 },
};
const u = (input: number, output: number, calls = 1, unknown: string[] = []) => ({ input, output, total: input + output, calls, unknown });

describe("cost", () => {
  it("adds usage per tier, calls and unknown providers included", () => {
    const sum = addUsage({ fast: u(1, 2) }, { fast: u(10, 20, 2, ["ollama"]), premium: u(1, 1) });
    expect(sum).toEqual({ fast: u(11, 22, 3, ["ollama"]), premium: u(1, 1) });
    // Adding the same unknown provider again keeps one entry.
    expect(addUsage(sum, { fast: u(0, 0, 1, ["ollama"]) }).fast?.unknown).toEqual(["ollama"]);
  });

  it("counts calls that reported no usage as unknown, not as zero-cost calls", () => {
    const usage = usageOfCalls("fast", [
      { provider: "gateway", usage: { input: 5, output: 7, total: 12 }, text: false },
      { provider: "ollama", text: true },
    ]);
    expect(usage).toEqual({ fast: u(5, 7, 2, ["ollama"]) });
    expect(usageOfCalls("fast", [])).toEqual({});
    const summary = usageSummary({ standard: u(0, 0, 1, ["gateway"]) }, prices);
    expect(summary.unknown).toEqual(["gateway"]);
    expect(summary.perTier.standard?.unknown).toEqual(["gateway"]);
  });

  it("prices tokens per million", () => {
    expect(costOf({ input: 1_000_000, output: 500_000, total: 1_500_000 }, prices.standard)).toBeCloseTo(6.25, 10);
  });

  it("reports the premium-only cost and the saving", () => {
    const report = usageSummary({ fast: u(1000, 100), standard: u(2000, 200) }, prices);
    expect(report.total).toEqual({ input: 3000, output: 300, total: 3300 });
    expect(report.costUsd).toBeCloseTo(0.00025 + 0.0002 + 0.0025 + 0.002, 9);
    expect(report.premiumOnlyCostUsd).toBeCloseTo(0.045 + 0.036, 9);
    expect(report.savingUsd).toBeCloseTo(report.premiumOnlyCostUsd - report.costUsd, 6);
    expect(Object.keys(report.perTier)).toEqual(["fast", "standard"]);
    expect(report.unknown).toEqual([]);
  });
});
