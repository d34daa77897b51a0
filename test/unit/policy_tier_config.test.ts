import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigurationError, DEFAULT_TIER_MODELS } from "../../src/config/index.js";
import { DEFAULT_PROVIDER_MODELS, DEFAULT_TIER_MODEL_SETTINGS } from "../../src/providers/index.js";
import { DEFAULT_ROUTING_RULES, DEFAULT_TIER_POLICY, isToolAllowed, loadTiersFile, resolveTiersFile } from "../../src/policy/index.js";

const dir = mkdtempSync(join(tmpdir(), "tiers-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The error `fn` throws, which must be a ConfigurationError with `code` (a tiers-file one by default). */
function errorOf(fn: () => unknown, code = "invalid_tiers_config"): ConfigurationError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigurationError && err.code === code) return err;
    throw err;
  }
  throw new Error(`expected a ConfigurationError (${code})`);
}

describe("loadTiersFile defaults", () => {
  it("gives every tier models for every provider, limits and prices, and standard as default tier", () => {
    const { models: cfg, policy } = loadTiersFile({});
    expect(cfg.defaultTier).toBe("standard");
    expect(cfg.tiers.fast.models).toEqual({
      gateway: DEFAULT_TIER_MODELS.fast,
      openai: "gpt-5-mini",
      anthropic: DEFAULT_PROVIDER_MODELS.anthropic.fast,
      google: "gemini-2.5-flash",
      ollama: "llama3.1",
    });
    expect(cfg.tiers.premium.models.gateway).toBe(DEFAULT_TIER_MODELS.premium);
    expect(policy.tiers.standard.maxSteps).toBe(DEFAULT_TIER_POLICY.standard.maxSteps);
    expect(policy.tiers.fast.maxSteps).toBeLessThan(policy.tiers.premium.maxSteps);
    // No prices unless the file sets them: each call is priced by the model that answered it.
    expect(cfg.tiers.fast.prices).toBeUndefined();
    expect(cfg.pinnedGatewayModels).toEqual({});
    expect(policy.routing).toEqual({ rules: DEFAULT_ROUTING_RULES, classifier: true });
    expect(isToolAllowed(policy.tiers.fast, "anything")).toBe(true);
  });
});

describe("TIERS_CONFIG file", () => {
  it("reads YAML and merges it over the defaults, per provider and per key", () => {
    const path = file(
      "tiers.yaml",
      [
        "defaultTier: fast",
        "tiers:",
        "  fast:",
        "    models: { openai: gpt-4.1-mini, gateway: gpt-5-mini }",
        "    maxSteps: 3",
        "    tools: [search, calculator]",
        "    systemPrompt: Be brief.",
        "    prices: { inputPerMillion: 0.25, outputPerMillion: 2 }",
        "  premium:",
        "    reasoningEffort: xhigh",
        "    temperature: 0.2",
      ].join("\n"),
    );
    const { models: cfg, policy } = loadTiersFile({ TIERS_CONFIG: path });
    expect(policy.file).toBe(path);
    expect(cfg.defaultTier).toBe("fast");
    expect(cfg.tiers.fast.models.openai).toBe("gpt-4.1-mini");
    expect(cfg.tiers.fast.models.anthropic).toBe(DEFAULT_PROVIDER_MODELS.anthropic.fast);
    expect(policy.tiers.fast.maxSteps).toBe(3);
    expect(cfg.tiers.fast.maxTokens).toBe(DEFAULT_TIER_MODEL_SETTINGS.fast.maxTokens);
    expect(policy.tiers.fast.systemPrompt).toBe("Be brief.");
    expect(cfg.tiers.fast.prices).toEqual({ inputPerMillion: 0.25, outputPerMillion: 2 });
    expect(isToolAllowed(policy.tiers.fast, "search")).toBe(true);
    expect(isToolAllowed(policy.tiers.fast, "shell")).toBe(false);
    expect(cfg.tiers.premium.reasoningEffort).toBe("xhigh");
    expect(cfg.tiers.premium.temperature).toBe(0.2);
    // A gateway model named in the file is pinned: discovery does not replace it.
    expect(cfg.pinnedGatewayModels).toEqual({ fast: { model: "gpt-5-mini", source: "file" } });
  });

  it("reads JSON", () => {
    const path = file("tiers.json", JSON.stringify({ tiers: { standard: { maxTokens: 1234 } } }));
    expect(loadTiersFile({ TIERS_CONFIG: path }).models.tiers.standard.maxTokens).toBe(1234);
  });

  it("names the file and the key path of every bad value", () => {
    const path = file(
      "bad.yaml",
      ["tiers:", "  fast:", "    maxSteps: 0", "    prices: { inputPerMillion: -1, outputPerMillion: 2 }", "  premium:", "    reasoningEffort: extreme", "    maxStep: 4"].join("\n"),
    );
    const err = errorOf(() => loadTiersFile({ TIERS_CONFIG: path }));
    expect(err.file).toBe(path);
    expect(err.message).toContain(path);
    expect(err.problems).toEqual(
      expect.arrayContaining([
        { path: "tiers.fast.maxSteps", message: "must be a positive integer" },
        { path: "tiers.fast.prices.inputPerMillion", message: "must be zero or more" },
        { path: "tiers.premium.reasoningEffort", message: expect.stringMatching(/^must be one of none, minimal, low/) },
        { path: "tiers.premium", message: 'unknown key "maxStep"' },
      ]),
    );
    expect(err.message).toContain("tiers.fast.maxSteps: must be a positive integer");
  });

  it.each([
    ["missing.yaml", undefined, "file not found"],
    ["tiers.toml", "x = 1", 'unsupported extension ".toml"'],
    ["broken.json", "{ nope", "is not valid JSON"],
    ["broken.yaml", "tiers: [unclosed", "is not valid YAML"],
  ])("rejects %s", (name, text, message) => {
    const path = text === undefined ? join(dir, name) : file(name, text);
    const err = errorOf(() => loadTiersFile({ TIERS_CONFIG: path }));
    expect(err.problems[0].message).toContain(message);
    expect(err.message).toContain(path);
  });

  it("rejects an unknown tier and an unknown provider", () => {
    const err = errorOf(() => resolveTiersFile({ tiers: { turbo: {}, fast: { models: { mistral: "x" } } } }));
    expect(err.problems).toEqual(
      expect.arrayContaining([
        { path: "tiers", message: 'unknown key "turbo"' },
        { path: "tiers.fast.models", message: 'unknown key "mistral"' },
      ]),
    );
  });
});

describe("routing section of TIERS_CONFIG", () => {
  const NO_CONDITION = "a rule needs at least one condition (keywords, pattern, minLength, maxLength or needsTools)";

  it("resolves YAML rules into Policy.routing, in order, and keeps them under env overrides", () => {
    const path = file(
      "routing.yaml",
      [
        "routing:",
        "  classifier: false",
        "  rules:",
        "    - name: ops",
        "      tier: fast",
        "      keywords: [deploy, rollback]",
        "    - tier: premium",
        "      pattern: '^design\\b'",
        "      minLength: 20",
        "    - tier: fast",
        "      needsTools: [calculator]",
        "      maxLength: 200",
      ].join("\n"),
    );
    const { models: cfg, policy } = loadTiersFile({ TIERS_CONFIG: path, DEFAULT_TIER: "premium" });
    expect(cfg.defaultTier).toBe("premium");
    expect(policy.routing).toEqual({
      classifier: false,
      rules: [
        { name: "ops", tier: "fast", keywords: ["deploy", "rollback"] },
        { tier: "premium", pattern: "^design\\b", minLength: 20 },
        { tier: "fast", needsTools: ["calculator"], maxLength: 200 },
      ],
    });
    expect(new RegExp(policy.routing.rules[1].pattern!, "i").test("Design a cache")).toBe(true);
  });

  it("keeps the built-in rules when the section only turns the classifier off, and no rules at all for an empty list", () => {
    expect(resolveTiersFile({ routing: { classifier: false } }).policy.routing).toEqual({ rules: DEFAULT_ROUTING_RULES, classifier: false });
    expect(resolveTiersFile({ routing: { rules: [] } }).policy.routing).toEqual({ rules: [], classifier: true });
    expect(resolveTiersFile({}).policy.routing.rules).toBe(DEFAULT_ROUTING_RULES);
  });

  it("stops with a ConfigurationError (invalid_tiers_config) naming the file and the key path of each bad rule", () => {
    const path = file(
      "bad-routing.yaml",
      [
        "routing:",
        "  rules:",
        "    - { tier: turbo, keywords: [x] }",
        "    - { tier: fast, name: no condition }",
        "    - { tier: fast, keyword: [x] }",
        "    - { tier: fast, pattern: '(' }",
        "    - { tier: fast, keywords: [deploy, 3] }",
      ].join("\n"),
    );
    const err = errorOf(() => loadTiersFile({ TIERS_CONFIG: path }));
    expect(err.file).toBe(path);
    expect(err.message).toContain(`in ${path}`);
    expect(err.problems).toEqual(
      expect.arrayContaining([
        { path: "routing.rules.0.tier", message: "must be one of fast, standard, premium" },
        { path: "routing.rules.1", message: NO_CONDITION },
        { path: "routing.rules.2", message: 'unknown key "keyword"' },
        { path: "routing.rules.3.pattern", message: "must be a valid regular expression" },
        { path: "routing.rules.4.keywords.1", message: "must be a word or phrase" },
      ]),
    );
    expect(err.message).toContain("routing.rules.0.tier: must be one of fast, standard, premium");
    expect(err.message).toContain(`routing.rules.1: ${NO_CONDITION}`);
    expect(err.message).toContain('routing.rules.2: unknown key "keyword"');
  });

  it("names an unknown key of the routing section and a wrong-typed section", () => {
    expect(errorOf(() => resolveTiersFile({ routing: { rule: [] } })).problems).toEqual([{ path: "routing", message: 'unknown key "rule"' }]);
    expect(errorOf(() => resolveTiersFile({ routing: { rules: "fast" } })).problems).toEqual([{ path: "routing.rules", message: "must be a list of rules" }]);
    expect(errorOf(() => resolveTiersFile({ routing: [] })).problems).toEqual([{ path: "routing", message: "must be an object with rules and/or classifier" }]);
  });
});

describe("hostile routing input", () => {
  it("rejects a 10k-character pattern by its length, in one short line", () => {
    const path = file("long-pattern.json", JSON.stringify({ routing: { rules: [{ tier: "fast", pattern: "(a+)+".repeat(2_000) }] } }));
    const err = errorOf(() => loadTiersFile({ TIERS_CONFIG: path }));
    expect(err.problems).toEqual([{ path: "routing.rules.0.pattern", message: "must be at most 500 characters" }]);
    // The pattern itself is not echoed back.
    expect(err.message.length).toBeLessThan(500 + path.length);
  });

  it("rejects 1000 rules, good or bad, with one problem", () => {
    const many = file("many.json", JSON.stringify({ routing: { rules: Array.from({ length: 1000 }, () => ({ tier: "fast", minLength: 1 })) } }));
    expect(errorOf(() => loadTiersFile({ TIERS_CONFIG: many })).problems).toEqual([{ path: "routing.rules", message: "must have at most 100 rules" }]);
    const bad = errorOf(() => resolveTiersFile({ routing: { rules: Array.from({ length: 1000 }, () => ({ tier: "turbo" })) } }));
    expect(bad.problems).toEqual([{ path: "routing.rules", message: "must have at most 100 rules" }]);
  });

  it("keeps every problem of 100 bad rules but lists only the first 20 in the message", () => {
    const bad = errorOf(() => resolveTiersFile({ routing: { rules: Array.from({ length: 100 }, () => ({ tier: "turbo", minLength: 1 })) } }));
    expect(bad.problems).toHaveLength(100);
    expect(bad.problems[99]).toEqual({ path: "routing.rules.99.tier", message: "must be one of fast, standard, premium" });
    const lines = bad.message.split("\n");
    expect(lines).toHaveLength(1 + 20 + 1);
    expect(lines[20]).toBe("  - routing.rules.19.tier: must be one of fast, standard, premium");
    expect(lines.at(-1)).toBe("  - ... and 80 more");
  });

  it("rejects a non-string keyword", () => {
    const err = errorOf(() => resolveTiersFile({ routing: { rules: [{ tier: "fast", keywords: [{ toString: "x" }] }] } }));
    expect(err.problems).toEqual([{ path: "routing.rules.0.keywords.0", message: "must be a word or phrase" }]);
  });

  it("allows control characters in a rule name: it is only a label, kept verbatim", () => {
    // JSON escaping in log lines and events keeps them harmless; rejecting them would only annoy.
    const name = "ops\u0007\u001b[31m\nrule";
    const path = file("control.yaml", `routing:\n  rules:\n    - { name: ${JSON.stringify(name)}, tier: fast, keywords: [ping] }\n`);
    expect(loadTiersFile({ TIERS_CONFIG: path }).policy.routing.rules[0].name).toBe(name);
  });

  it('rejects tier "__proto__" and a "__proto__" key, without touching Object.prototype', () => {
    const err = errorOf(() => resolveTiersFile({ routing: { rules: [{ tier: "__proto__", minLength: 1 }] } }));
    expect(err.problems).toEqual([{ path: "routing.rules.0.tier", message: "must be one of fast, standard, premium" }]);

    const path = file("proto.json", '{"routing":{"rules":[{"tier":"fast","minLength":1,"__proto__":{"polluted":true}}]}}');
    const protoErr = errorOf(() => loadTiersFile({ TIERS_CONFIG: path }));
    expect(protoErr.problems).toEqual([{ path: "routing.rules.0", message: 'unknown key "__proto__"' }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("environment overrides", () => {
  it("AI_GATEWAY_<TIER>_MODEL pins the gateway model over the file; OLLAMA_MODEL and DEFAULT_TIER win too", () => {
    const path = file("pins.yaml", "defaultTier: fast\ntiers:\n  fast:\n    models: { gateway: from-file, ollama: qwen3 }\n");
    const { models: cfg } = loadTiersFile({
      TIERS_CONFIG: path,
      AI_GATEWAY_FAST_MODEL: "from-env",
      AI_GATEWAY_PREMIUM_MODEL: "gpt-5-pro",
      OLLAMA_MODEL: "llama3.2:3b",
      DEFAULT_TIER: "premium",
    });
    expect(cfg.pinnedGatewayModels).toEqual({
      fast: { model: "from-env", source: "env" },
      premium: { model: "gpt-5-pro", source: "env" },
    });
    expect(cfg.tiers.fast.models.gateway).toBe("from-env");
    expect(cfg.tiers.fast.models.ollama).toBe("llama3.2:3b");
    expect(cfg.tiers.premium.models.ollama).toBe("llama3.2:3b");
    expect(cfg.defaultTier).toBe("premium");
  });

  it("a bad DEFAULT_TIER or PROVIDER_ORDER fails as an invalid_environment ConfigurationError naming the variable", () => {
    expect(errorOf(() => loadTiersFile({ DEFAULT_TIER: "turbo" }), "invalid_environment").problems).toEqual([{ variable: "DEFAULT_TIER", message: expect.any(String) }]);
    expect(() => loadTiersFile({ DEFAULT_TIER: "turbo" })).toThrow(/DEFAULT_TIER: must be one of fast, standard, premium/);
    expect(() => loadTiersFile({ PROVIDER_ORDER: "gateway,mistral" })).toThrow(/PROVIDER_ORDER/);
    expect(() => loadTiersFile({ PROVIDER_ORDER: "openai,openai" })).toThrow(/PROVIDER_ORDER: must not name a provider twice/);
  });
});
