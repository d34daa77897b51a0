/**
 * Calls priced by the model that answered, from the price table shipped in the package (read
 * offline), with TIERS_CONFIG prices as per-tier overrides; unknown models have no price.
 */
import { describe, expect, it } from "vitest";
import { createModelPricer } from "../../src/providers/model_prices.js";

const million = { input: 1_000_000, output: 1_000_000 };

describe("model prices", () => {
  it("prices known models by provider and id from the shipped table, before any network", async () => {
    const pricer = createModelPricer();
    // Before the table is loaded nothing is known (callers load it first).
    expect(pricer.cost("fast", "gateway", "gpt-5-mini", million)).toBeUndefined();
    await pricer.load();
    const mini = pricer.cost("fast", "gateway", "gpt-5-mini", million)!;
    const full = pricer.cost("premium", "gateway", "gpt-5.1", million)!;
    expect(mini).toBeGreaterThan(0);
    expect(full).toBeGreaterThan(mini);
    expect(pricer.cost("fast", "openai", "gpt-5-mini", million)).toBe(mini);
    expect(pricer.cost("fast", "anthropic", "claude-3-5-haiku-latest", million)).toBeGreaterThan(0);
    expect(pricer.cost("fast", "google", "gemini-2.5-flash", million)).toBeGreaterThan(0);
    // A gateway's routing prefix is looked past.
    expect(pricer.cost("premium", "gateway", "azure/gpt-5.1", million)).toBe(full);
    // Scales with the tokens.
    expect(pricer.cost("premium", "gateway", "gpt-5.1", { input: 500_000, output: 500_000 })).toBeCloseTo(full / 2, 9);
  });

  it("an unknown model has no price (never $0); a call without a model id neither; Ollama is local and free", async () => {
    const pricer = createModelPricer();
    await pricer.load();
    expect(pricer.cost("fast", "gateway", "acme-internal-llm-7", million)).toBeUndefined();
    expect(pricer.cost("fast", "gateway", "acme-internal-llm-7", million)).toBeUndefined();
    expect(pricer.cost("fast", "gateway", undefined, million)).toBeUndefined();
    expect(pricer.cost("fast", "ollama", "llama3.1", million)).toBe(0);
  });

  it("a tier with TIERS_CONFIG prices is priced at them, whatever model answered", async () => {
    const pricer = createModelPricer({ standard: { inputPerMillion: 2, outputPerMillion: 8 } });
    await pricer.load();
    expect(pricer.cost("standard", "gateway", "acme-internal-llm-7", { input: 1_000_000, output: 500_000 })).toBeCloseTo(6, 9);
    expect(pricer.cost("fast", "gateway", "acme-internal-llm-7", million)).toBeUndefined();
  });
});
