import { describe, expect, it } from "vitest";
import {
  DEFAULT_ROUTING_RULES,
  decideWithoutModel,
  detectNeededTools,
  matchRule,
  nextTier,
  resolveRouting,
  routingConfigSchema,
  shouldClassify,
} from "../../graphs/orchestrator/routing.js";
import { resolvePolicy } from "../../src/policy/tier_config.js";

const routing = resolveRouting();

describe("detectNeededTools", () => {
  it.each([
    ["What is 12.5% of 3,480?", ["calculator"]],
    ["compute 2 + 2", ["calculator"]],
    ["what's the square root of 81", ["calculator"]],
    ["What time is it in Tokyo?", ["current_datetime"]],
    ["fetch https://example.com/status", ["http_get"]],
    ["Write a haiku about autumn", []],
  ])("%s -> %j", (task, tools) => {
    expect(detectNeededTools(task)).toEqual(tools);
  });
});

describe("matchRule", () => {
  it.each([
    [{ tier: "premium" as const, keywords: ["design a"] }, "Please design a queue", true],
    [{ tier: "premium" as const, keywords: ["prove"] }, "improve this", false],
    [{ tier: "fast" as const, pattern: "^translate\\b" }, "Translate this", true],
    [{ tier: "premium" as const, minLength: 10 }, "short", false],
    [{ tier: "fast" as const, maxLength: 10 }, "a much longer task text", false],
    [{ tier: "fast" as const, needsTools: ["calculator"] }, "2 + 3 at what time?", false],
    [{ tier: "fast" as const, needsTools: ["calculator", "current_datetime"] }, "2 + 3 at what time?", true],
  ])("%j on %s -> %s", (rule, task, matches) => {
    expect(!!matchRule(rule, task)).toBe(matches);
  });
});

describe("decideWithoutModel", () => {
  it("an explicit tier wins over rules", () => {
    expect(decideWithoutModel("What is 2+2?", { explicitTier: "premium", mode: "auto", routing })).toMatchObject({
      tier: "premium",
      source: "explicit",
    });
  });

  it.each([
    ["What is 12.5% of 3,480?", "fast"],
    ["Design a comprehensive architecture for payments", "premium"],
    ["x".repeat(5_000), "premium"],
  ])("default rules route %s to %s", (task, tier) => {
    expect(decideWithoutModel(task, { mode: "auto", routing })).toMatchObject({ tier, source: "rule" });
  });

  it("leaves undecided tasks to the classifier or the default", () => {
    expect(decideWithoutModel("Write a limerick", { mode: "auto", routing })).toBeUndefined();
  });

  it("skips rules in classifier and default modes", () => {
    expect(decideWithoutModel("What is 2 + 2?", { mode: "classifier", routing })).toBeUndefined();
    expect(decideWithoutModel("What is 2 + 2?", { mode: "default", routing })).toBeUndefined();
  });

  it("tries rules first to last: a task two rules match takes the first, whichever tier it names", () => {
    // Both rules match this task; only their order in the tiers file differs.
    const task = "Translate this, then design a queue";
    const translate = { name: "translations", tier: "fast" as const, keywords: ["translate"] };
    const design = { name: "design work", tier: "premium" as const, keywords: ["design"] };
    const decide = (rules: (typeof translate | typeof design)[]) => decideWithoutModel(task, { mode: "rules", routing: resolvePolicy({ routing: { rules } }).routing });
    expect(decide([translate, design])).toMatchObject({ tier: "fast", reason: expect.stringMatching(/^rule "translations"/) });
    expect(decide([design, translate])).toMatchObject({ tier: "premium", reason: expect.stringMatching(/^rule "design work"/) });
  });

  it("names the rule in the reason", () => {
    expect(decideWithoutModel("What is 2 + 2?", { mode: "rules", routing })?.reason).toMatch(/quick tool lookup/);
  });
});

describe("routing config", () => {
  it("classifies only in auto (when enabled) and classifier modes", () => {
    expect(shouldClassify("auto", routing)).toBe(true);
    expect(shouldClassify("auto", resolveRouting({ classifier: false }))).toBe(false);
    expect(shouldClassify("rules", routing)).toBe(false);
    expect(shouldClassify("classifier", resolveRouting({ classifier: false }))).toBe(true);
  });

  it("rejects bad rules with the key path", () => {
    const bad = routingConfigSchema.safeParse({ rules: [{ tier: "huge", pattern: "(" }, { tier: "fast" }] });
    expect(bad.success).toBe(false);
    const paths = bad.error!.issues.map((i) => i.path.join("."));
    expect(paths).toEqual(expect.arrayContaining(["rules.0.tier", "rules.0.pattern", "rules.1"]));
  });

  it("defaults to the built-in rules", () => {
    expect(routing.rules).toBe(DEFAULT_ROUTING_RULES);
  });

  it("escalates one tier at a time and stops at premium", () => {
    expect(nextTier("fast")).toBe("standard");
    expect(nextTier("standard")).toBe("premium");
    expect(nextTier("premium")).toBeUndefined();
  });
});
