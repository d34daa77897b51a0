import { describe, expect, it } from "vitest";
import {
  DEFAULT_ROUTING_RULES,
  MAX_PATTERN_LENGTH,
  ROUTING_MODES,
  resolveRouting,
  routingConfigSchema,
  routingRuleSchema,
} from "../../src/policy/routing_rules.js";

/** Issues of a failed parse as `path: message`, the way an invalid_tiers_config ConfigurationError lists them. */
function issuesOf(input: unknown): string[] {
  const parsed = routingConfigSchema.safeParse(input);
  if (parsed.success) throw new Error("expected the routing config to be rejected");
  return parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

const NO_CONDITION = "a rule needs at least one condition (keywords, pattern, minLength, maxLength or needsTools)";

describe("routingRuleSchema", () => {
  it("accepts the built-in rules unchanged", () => {
    for (const rule of DEFAULT_ROUTING_RULES) expect(routingRuleSchema.parse(rule)).toEqual(rule);
    expect(routingConfigSchema.parse({ rules: DEFAULT_ROUTING_RULES, classifier: false })).toEqual({ rules: DEFAULT_ROUTING_RULES, classifier: false });
  });

  it("accepts every kind of condition, and an empty rule list", () => {
    const rules = [
      { tier: "fast", keywords: ["weather"] },
      { tier: "premium", pattern: "^design\\b" },
      { tier: "standard", minLength: 0 },
      { tier: "fast", maxLength: 10 },
      { name: "tools", tier: "fast", needsTools: ["calculator"] },
    ];
    expect(routingConfigSchema.parse({ rules }).rules).toEqual(rules);
    expect(routingConfigSchema.parse({ rules: [] })).toEqual({ rules: [] });
  });

  it.each<[string, unknown, string]>([
    ["an unknown tier", { rules: [{ tier: "huge", minLength: 1 }] }, "rules.0.tier: must be one of fast, standard, premium"],
    ["a missing tier", { rules: [{ minLength: 1 }] }, "rules.0: a rule needs a tier, an agent or plan: true"],
    ["a bad tier", { rules: [{ tier: "turbo", minLength: 1 }] }, "rules.0.tier: must be one of fast, standard, premium"],
    ["an agent that is not a name", { rules: [{ agent: 7, minLength: 1 }] }, "rules.0.agent: must be an agent name"],
    ["a non-boolean plan", { rules: [{ plan: "yes", minLength: 1 }] }, "rules.0.plan: must be true or false"],
    ["a rule with no condition", { rules: [{ tier: "fast" }, { tier: "fast", name: "none" }] }, `rules.1: ${NO_CONDITION}`],
    ["keywords given as one string", { rules: [{ tier: "fast", keywords: "deploy" }] }, "rules.0.keywords: must be a list of words"],
    ["an empty keyword list", { rules: [{ tier: "fast", keywords: [] }] }, "rules.0.keywords: must be a list of words"],
    ["a non-string keyword", { rules: [{ tier: "fast", keywords: ["ok", 3] }] }, "rules.0.keywords.1: must be a word or phrase"],
    ["an empty keyword", { rules: [{ tier: "fast", keywords: [""] }] }, "rules.0.keywords.0: must be a word or phrase"],
    ["a broken pattern", { rules: [{ tier: "fast", pattern: "(" }] }, "rules.0.pattern: must be a valid regular expression"],
    ["a non-string pattern", { rules: [{ tier: "fast", pattern: 42 }] }, "rules.0.pattern: must be a valid regular expression"],
    ["a fractional minLength", { rules: [{ tier: "fast", minLength: 1.5 }] }, "rules.0.minLength: must be an integer of zero or more"],
    ["a zero maxLength", { rules: [{ tier: "fast", maxLength: 0 }] }, "rules.0.maxLength: must be a positive integer"],
    ["needsTools given as one string", { rules: [{ tier: "fast", needsTools: "calculator" }] }, "rules.0.needsTools: must be a list of tool names"],
    ["a rule that is not an object", { rules: ["fast"] }, "rules.0: must be a rule: an object with a tier, agent or plan and at least one condition"],
    ["rules that are not a list", { rules: { tier: "fast" } }, "rules: must be a list of rules"],
    ["a non-boolean classifier", { classifier: "no" }, "classifier: must be true or false"],
    ["a routing section that is not an object", "rules", ": must be an object with rules and/or classifier"],
  ])("rejects %s", (_what, input, expected) => {
    expect(issuesOf(input)).toContain(expected);
  });

  it("reports unknown keys as such (a typo), not as a wrong type", () => {
    const parsed = routingConfigSchema.safeParse({ rule: [], rules: [{ tier: "fast", keyword: ["x"] }] });
    expect(parsed.success).toBe(false);
    const unknown = parsed.error!.issues.filter((i) => i.code === "unrecognized_keys");
    expect(unknown.map((i) => [i.path.join("."), i.code === "unrecognized_keys" ? i.keys : []])).toEqual(
      expect.arrayContaining([
        ["", ["rule"]],
        ["rules.0", ["keyword"]],
      ]),
    );
    expect(unknown).toHaveLength(2);
    // The misspelt key leaves the rule without a condition, which is said too, at the rule's index.
    expect(parsed.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).toContain(`rules.0: ${NO_CONDITION}`);
  });

  it("reports every bad rule by index in one pass", () => {
    const issues = issuesOf({ rules: [{ tier: "huge", pattern: "(" }, { tier: "fast" }] });
    expect(issues).toEqual(
      expect.arrayContaining([
        "rules.0.tier: must be one of fast, standard, premium",
        "rules.0.pattern: must be a valid regular expression",
        `rules.1: ${NO_CONDITION}`,
      ]),
    );
  });
});

describe("limits on hostile input", () => {
  it("rejects a pattern over the length limit as too long, without reporting it as invalid", () => {
    expect(routingRuleSchema.safeParse({ tier: "fast", pattern: "a".repeat(MAX_PATTERN_LENGTH) }).success).toBe(true);
    // "(" * 10k would also be an invalid regex: the length check aborts before it is compiled.
    expect(issuesOf({ rules: [{ tier: "fast", pattern: "(".repeat(10_000) }] })).toEqual(["rules.0.pattern: must be at most 500 characters"]);
  });

  it("caps the number of rules and of keywords per rule", () => {
    const rule = { tier: "fast", minLength: 1 };
    expect(routingConfigSchema.safeParse({ rules: Array.from({ length: 100 }, () => rule) }).success).toBe(true);
    expect(issuesOf({ rules: Array.from({ length: 101 }, () => rule) })).toEqual(["rules: must have at most 100 rules"]);
    const words = Array.from({ length: 101 }, (_, i) => `w${i}`);
    expect(issuesOf({ rules: [{ tier: "fast", keywords: words }] })).toEqual(["rules.0.keywords: must list at most 100 words"]);
    expect(routingRuleSchema.safeParse({ tier: "fast", keywords: words.slice(0, 100) }).success).toBe(true);
  });
});

describe("resolveRouting", () => {
  it("defaults to the built-in rules with the classifier on", () => {
    const routing = resolveRouting();
    expect(routing.rules).toBe(DEFAULT_ROUTING_RULES);
    expect(routing.classifier).toBe(true);
    expect(resolveRouting({ classifier: false })).toEqual({ rules: DEFAULT_ROUTING_RULES, classifier: false });
  });

  it("uses the given rules, even an empty list (no rules at all)", () => {
    const rules = [{ tier: "fast" as const, keywords: ["ping"] }];
    expect(resolveRouting({ rules })).toEqual({ rules, classifier: true });
    expect(resolveRouting({ rules: [] }).rules).toEqual([]);
  });

  it("lists the routing modes", () => {
    expect(ROUTING_MODES).toEqual(["auto", "rules", "classifier", "default"]);
  });
});
