import { describe, expect, it } from "vitest";
import { addUsage, costOf, usageReport } from "../../graphs/cost.js";

const prices = {
  fast: { inputPerMillion: 0.25, outputPerMillion: 2 },
  standard: { inputPerMillion: 1.25, outputPerMillion: 10 },
  premium: { inputPerMillion: 15, outputPerMillion: 120 },
};

describe("cost", () => {
  it("adds usage per tier", () => {
    const sum = addUsage({ fast: { input: 1, output: 2, total: 3 } }, { fast: { input: 10, output: 20, total: 30 }, premium: { input: 1, output: 1, total: 2 } });
    expect(sum).toEqual({ fast: { input: 11, output: 22, total: 33 }, premium: { input: 1, output: 1, total: 2 } });
  });

  it("prices tokens per million", () => {
    expect(costOf({ input: 1_000_000, output: 500_000, total: 1_500_000 }, prices.standard)).toBeCloseTo(6.25, 10);
  });

  it("reports the premium-only cost and the saving", () => {
    const report = usageReport({ fast: { input: 1000, output: 100, total: 1100 }, standard: { input: 2000, output: 200, total: 2200 } }, prices);
    expect(report.total).toEqual({ input: 3000, output: 300, total: 3300 });
    expect(report.costUsd).toBeCloseTo(0.00025 + 0.0002 + 0.0025 + 0.002, 9);
    expect(report.premiumOnlyCostUsd).toBeCloseTo(0.045 + 0.036, 9);
    expect(report.savingUsd).toBeCloseTo(report.premiumOnlyCostUsd - report.costUsd, 6);
    expect(Object.keys(report.perTier)).toEqual(["fast", "standard"]);
  });
});
