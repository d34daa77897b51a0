import { describe, expect, it } from "vitest";
import { addUsage, costOf, usageOfCalls, usageSummary, type Pricing } from "../../graphs/orchestrator/cost.js";

const prices = {
  fast: { inputPerMillion: 0.25, outputPerMillion: 2 },
  standard: { inputPerMillion: 1.25, outputPerMillion: 10 },
  premium: { inputPerMillion: 15, outputPerMillion: 120 },
};
/** Tier prices for every call, except the model "mystery", which has none. */
const pricing: Pricing = {
  call: (tier, call) => (call.model === "mystery" || !call.usage ? undefined : costOf(call.usage, prices[tier])),
  tier: (tier, tokens) => costOf(tokens, prices[tier]),
};
const u = (input: number, output: number, calls = 1, unknown: string[] = []) => ({ input, output, total: input + output, calls, unknown });
const priced = (tier: keyof typeof prices, input: number, output: number, calls = 1) => ({ ...u(input, output, calls), costUsd: costOf(u(input, output), prices[tier]), unpriced: [] });

describe("cost", () => {
  it("adds usage per tier, calls, cost and unknown providers included", () => {
    const sum = addUsage({ fast: priced("fast", 1, 2) }, { fast: { ...priced("fast", 10, 20, 2), unknown: ["ollama"] }, premium: priced("premium", 1, 1) });
    expect(sum.fast).toMatchObject({ ...u(11, 22, 3, ["ollama"]) });
    expect(sum.fast?.costUsd).toBeCloseTo(costOf(u(11, 22), prices.fast), 12);
    expect(sum.premium).toEqual(priced("premium", 1, 1));
    // Adding the same unknown provider again keeps one entry.
    expect(addUsage(sum, { fast: u(0, 0, 1, ["ollama"]) }).fast?.unknown).toEqual(["ollama"]);
  });

  it("usage stored before calls were priced has no cost of its own: the report prices it by the tier", () => {
    const legacy = u(1000, 100);
    const sum = addUsage({ standard: legacy }, { standard: priced("standard", 1000, 100) });
    expect(sum.standard?.costUsd).toBeUndefined();
    expect(usageSummary(sum, pricing).costUsd).toBeCloseTo(costOf(u(2000, 200), prices.standard), 6);
    // With no price for the tier either, it is named as unpriced, not shown as free.
    const unknownTier = usageSummary({ standard: legacy }, { ...pricing, tier: () => undefined });
    expect(unknownTier.unpriced).toEqual(["standard tier (earlier runs)"]);
    expect(unknownTier.savingUsd).toBeNull();
  });

  it("counts calls that reported no usage as unknown, not as zero-cost calls", () => {
    const usage = usageOfCalls(
      "fast",
      [
        { provider: "gateway", model: "m", usage: { input: 5, output: 7, total: 12 }, text: false },
        { provider: "ollama", text: true },
      ],
      pricing,
    );
    expect(usage).toEqual({ fast: { ...u(5, 7, 2, ["ollama"]), costUsd: costOf(u(5, 7), prices.fast), unpriced: [] } });
    expect(usageOfCalls("fast", [], pricing)).toEqual({});
    const summary = usageSummary({ standard: u(0, 0, 1, ["gateway"]) }, pricing);
    expect(summary.unknown).toEqual(["gateway"]);
    expect(summary.perTier.standard?.unknown).toEqual(["gateway"]);
  });

  it("a call whose model has no known price keeps its tokens, adds no cost, and is named; the saving is then unknown", () => {
    const usage = usageOfCalls(
      "standard",
      [
        { provider: "gateway", model: "mystery", usage: { input: 100, output: 10, total: 110 }, text: true },
        { provider: "gateway", model: "known", usage: { input: 1000, output: 100, total: 1100 }, text: true },
      ],
      pricing,
    );
    const report = usageSummary(usage, pricing);
    expect(report.total).toEqual({ input: 1100, output: 110, total: 1210 });
    expect(report.costUsd).toBeCloseTo(costOf(u(1000, 100), prices.standard), 6);
    expect(report.unpriced).toEqual(["gateway/mystery"]);
    expect(report.perTier.standard?.unpriced).toEqual(["gateway/mystery"]);
    expect(report.premiumOnlyCostUsd).toBeCloseTo(costOf(u(1100, 110), prices.premium), 6);
    expect(report.savingUsd).toBeNull();
    // Premium's own model without a price: premium alone is unknown too.
    const noPremium = usageSummary(usageOfCalls("fast", [{ provider: "gateway", model: "known", usage: { input: 1, output: 1, total: 2 }, text: true }], pricing), {
      ...pricing,
      tier: (tier, tokens) => (tier === "premium" ? undefined : pricing.tier(tier, tokens)),
    });
    expect(noPremium.premiumOnlyCostUsd).toBeNull();
    expect(noPremium.savingUsd).toBeNull();
  });

  it("prices tokens per million", () => {
    expect(costOf({ input: 1_000_000, output: 500_000, total: 1_500_000 }, prices.standard)).toBeCloseTo(6.25, 10);
  });

  it("reports the premium-only cost and the saving", () => {
    const report = usageSummary({ fast: priced("fast", 1000, 100), standard: priced("standard", 2000, 200) }, pricing);
    expect(report.total).toEqual({ input: 3000, output: 300, total: 3300 });
    expect(report.costUsd).toBeCloseTo(0.00025 + 0.0002 + 0.0025 + 0.002, 9);
    expect(report.premiumOnlyCostUsd).toBeCloseTo(0.045 + 0.036, 9);
    expect(report.savingUsd).toBeCloseTo(report.premiumOnlyCostUsd! - report.costUsd, 6);
    expect(Object.keys(report.perTier)).toEqual(["fast", "standard"]);
    expect(report.unknown).toEqual([]);
    expect(report.unpriced).toEqual([]);
  });
});
