/**
 * The tiers file (TIERS_CONFIG, JSON or YAML): its schema, reading and validation. One file
 * holds both halves of the configuration, and this module splits them: the model side (models
 * per provider, token limits, reasoning effort, prices, default tier) goes to the provider
 * registry, the policy side (steps, tools, prompts, agents, routing, approvals, plan, MCP,
 * budgets) to the orchestrator. Precedence: built-in defaults, then the file, then env.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { extname, resolve } from "node:path";
import type * as Yaml from "yaml";
import { z } from "zod";
import { loadConfig, type AppConfig } from "../config/index.js";
import { applyEnvToTierConfig, defaultTierConfig, type TierConfig } from "../providers/tier_models.js";
import { PROVIDERS, REASONING_EFFORTS, TIERS, type PerTier, type ProviderName, type Tier, type TierSelection } from "../providers/types.js";
import { agentsSectionSchema, approvalPolicySchema, toAgentSpec } from "./agent_config.js";
import { budgetsSchema, resolveBudgets } from "./budget_config.js";
import { mcpSectionSchema } from "./mcp_config.js";
import { DEFAULT_PLAN_SETTINGS, DEFAULT_TIER_POLICY, type Policy, type TierPolicy } from "./policy.js";
import { resolveRouting, routingConfigSchema } from "./routing_rules.js";
import { ConfigurationError } from "../errors.js";

/** Both halves of a validated tiers file. */
export interface TiersFile {
  /** The model side, for `ProviderRegistry.create({ tierConfig })`. */
  models: TierConfig;
  /** The policy side, for `createOrchestrator({ policy })`. */
  policy: Policy;
}

// A hostile file (say, 1000 bad rules) must not produce a thousand-line startup message.
const MAX_LISTED_PROBLEMS = 20;

/**
 * The ConfigurationError (`invalid_tiers_config`) raised when the tiers file is missing, unreadable
 * or invalid: names the file and every bad key path. `problems` has one entry per bad key, e.g.
 * `{ path: "tiers.fast.maxSteps", message: "must be a positive integer" }`; the message lists the first 20.
 */
export function invalidTiersConfig(problems: { path: string; message: string }[], file?: string): ConfigurationError {
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS).map((p) => `  - ${p.path}: ${p.message}`);
  if (problems.length > MAX_LISTED_PROBLEMS) listed.push(`  - ... and ${problems.length - MAX_LISTED_PROBLEMS} more`);
  return new ConfigurationError("invalid_tiers_config", `Invalid tiers configuration${file ? ` in ${file}` : ""} (TIERS_CONFIG):\n` + listed.join("\n"), { problems, file });
}

const positiveInt = z.int({ error: "must be a positive integer" }).positive({ error: "must be a positive integer" });
const nonNegative = z.number({ error: "must be a number" }).nonnegative({ error: "must be zero or more" });
const modelId = z.string({ error: "must be a model id" }).trim().min(1, { error: "must be a model id" });

const modelsSchema = z.strictObject(
  Object.fromEntries(PROVIDERS.map((p) => [p, modelId.optional()])) as Record<ProviderName, z.ZodOptional<typeof modelId>>,
);

const tierSchema = z.strictObject({
  models: modelsSchema.optional(),
  maxTokens: positiveInt.optional(),
  reasoningEffort: z.enum(REASONING_EFFORTS, { error: `must be one of ${REASONING_EFFORTS.join(", ")}` }).optional(),
  temperature: z.number({ error: "must be a number" }).min(0, { error: "must be between 0 and 2" }).max(2, { error: "must be between 0 and 2" }).optional(),
  maxSteps: positiveInt.optional(),
  contextTokens: z.int({ error: "must be a whole number of tokens" }).refine((n) => n === 0 || (n >= 1_000 && n <= 10_000_000), { error: "must be 0 (off) or between 1000 and 10000000 tokens" }).optional(),
  tools: z.array(z.string({ error: "must be a tool name" }).min(1, { error: "must be a tool name" }), { error: "must be a list of tool names" }).optional(),
  systemPrompt: z.string({ error: "must be text" }).optional(),
  prices: z.strictObject({ inputPerMillion: nonNegative, outputPerMillion: nonNegative }, { error: "must have inputPerMillion and outputPerMillion" }).optional(),
  approvals: approvalPolicySchema.optional(),
});

/** Shape of the TIERS_CONFIG file: every key optional, unknown keys rejected (they are usually typos). */
export const tierFileSchema = z.strictObject({
  defaultTier: z.enum(TIERS as [Tier, ...Tier[]], { error: `must be one of ${TIERS.join(", ")}` }).optional(),
  tiers: z.strictObject(Object.fromEntries(TIERS.map((t) => [t, tierSchema.optional()])) as Record<Tier, z.ZodOptional<typeof tierSchema>>).optional(),
  /** Routing rules (first match wins) and whether the LLM classifier may be asked; see routing_rules.ts. */
  routing: routingConfigSchema.optional(),
  /** Specialist agents by name; see agent_config.ts. */
  agents: agentsSectionSchema.optional(),
  /** Tool -> decisions a person may take before the tool runs, for every agent. */
  approvals: approvalPolicySchema.optional(),
  /** MCP servers whose tools join the toolbox; see mcp_config.ts. */
  mcp: mcpSectionSchema.optional(),
  /** Spending limits per tenant and user; see budget_config.ts. */
  budgets: budgetsSchema.optional(),
  /** The plan route: planner and synthesizer tiers, most subtasks, parallelism, time budget. */
  plan: z
    .strictObject({
      maxSubtasks: positiveInt.max(20, { error: "must be at most 20" }).optional(),
      maxParallel: positiveInt.max(16, { error: "must be at most 16" }).optional(),
      timeoutMs: positiveInt.min(1_000, { error: "must be at least 1000 (ms)" }).max(3_600_000, { error: "must be at most 3600000 (one hour)" }).optional(),
      plannerTier: z.enum(TIERS as [Tier, ...Tier[]], { error: `must be one of ${TIERS.join(", ")}` }).optional(),
      synthesizerTier: z.enum(TIERS as [Tier, ...Tier[]], { error: `must be one of ${TIERS.join(", ")}` }).optional(),
    })
    .optional(),
});

/** Parsed content of a tiers file. */
export type TierFileInput = z.input<typeof tierFileSchema>;

/** One `{ path, message }` per issue of a failed parse (none for a success); `prefix` starts every path. */
export function describeIssues(result: z.ZodSafeParseResult<unknown>, prefix?: string): { path: string; message: string }[] {
  if (result.success) return [];
  return result.error.issues.map((issue) => {
    const path = [...(prefix ? [prefix] : []), ...issue.path.map(String)].join(".") || "(root)";
    if (issue.code === "unrecognized_keys") return { path, message: `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}` };
    return { path, message: issue.message };
  });
}

/**
 * Validates `input` (the parsed file) and merges it over the defaults. `file` is only used in
 * error messages. Environment settings are applied by `tiersFileFromAppConfig`.
 */
export function resolveTiersFile(input: unknown = {}, file?: string): TiersFile {
  const parsed = tierFileSchema.safeParse(input ?? {});
  if (!parsed.success) throw invalidTiersConfig(describeIssues(parsed), file);
  const data = parsed.data;
  const agents = Object.entries(data.agents ?? {}).map(([name, fields]) => toAgentSpec(name, fields));
  const unknownAgents = (data.routing?.rules ?? []).flatMap((r, i) =>
    r.agent && !agents.some((a) => a.name === r.agent)
      ? [{ path: `routing.rules.${i}.agent`, message: `unknown agent "${r.agent.slice(0, 40)}"; ${agents.length ? `the agents are ${agents.map((a) => a.name).join(", ")}` : "declare it under agents:"}` }]
      : [],
  );
  if (unknownAgents.length > 0) throw invalidTiersConfig(unknownAgents, file);
  const models = defaultTierConfig();
  const tierPolicy = {} as PerTier<TierPolicy>;
  const pinned: Partial<PerTier<TierSelection>> = {};
  for (const tier of TIERS) {
    const given = data.tiers?.[tier] ?? {};
    const builtIn = models.tiers[tier];
    const defaults = DEFAULT_TIER_POLICY[tier];
    if (given.models?.gateway) pinned[tier] = { model: given.models.gateway, source: "file" };
    models.tiers[tier] = {
      models: Object.fromEntries(PROVIDERS.map((p) => [p, given.models?.[p] ?? builtIn.models[p]])) as Record<ProviderName, string>,
      maxTokens: given.maxTokens ?? builtIn.maxTokens,
      reasoningEffort: given.reasoningEffort ?? builtIn.reasoningEffort,
      temperature: given.temperature ?? builtIn.temperature,
      ...(given.prices ? { prices: { ...given.prices } } : {}),
    };
    tierPolicy[tier] = {
      maxSteps: given.maxSteps ?? defaults.maxSteps,
      contextTokens: given.contextTokens ?? defaults.contextTokens,
      tools: given.tools ?? [...defaults.tools],
      systemPrompt: given.systemPrompt ?? defaults.systemPrompt,
      approvals: given.approvals,
    };
  }
  return {
    models: { defaultTier: data.defaultTier ?? models.defaultTier, tiers: models.tiers, pinnedGatewayModels: pinned },
    policy: {
      tiers: tierPolicy,
      routing: resolveRouting(data.routing),
      agents,
      approvals: data.approvals ?? {},
      plan: { ...DEFAULT_PLAN_SETTINGS, ...data.plan },
      mcp: data.mcp?.servers ?? {},
      budgets: resolveBudgets(data.budgets),
      file,
    },
  };
}

/** The policy of a parsed tiers file (`resolveTiersFile(input).policy`), e.g. for tests and embedding. */
export function resolvePolicy(input: unknown = {}, file?: string): Policy {
  return resolveTiersFile(input, file).policy;
}

/** The YAML parser, loaded with the first YAML file (yaml's Node build is CommonJS). */
const parseYaml = (text: string): unknown => (createRequire(import.meta.url)("yaml") as typeof Yaml).parse(text);

/** Reads and parses a tiers file; the format follows the extension (.json, .yaml, .yml). */
export function readTierFile(path: string): unknown {
  const file = resolve(path);
  const ext = extname(file).toLowerCase();
  if (ext !== ".json" && ext !== ".yaml" && ext !== ".yml") {
    throw invalidTiersConfig([{ path: "(file)", message: `unsupported extension "${ext || "(none)"}"; use .json, .yaml or .yml` }], file);
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw invalidTiersConfig([{ path: "(file)", message: code === "ENOENT" ? "file not found" : `cannot be read (${code ?? "error"})` }], file);
  }
  try {
    return ext === ".json" ? (JSON.parse(text) as unknown) : parseYaml(text);
  } catch (err) {
    const detail = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw invalidTiersConfig([{ path: "(file)", message: `is not valid ${ext === ".json" ? "JSON" : "YAML"}: ${detail}` }], file);
  }
}

/**
 * Loads the tiers file from `env` (default process.env): defaults, then the TIERS_CONFIG file
 * if set, then env overrides of the models. Throws a ConfigurationError:
 * `invalid_environment` for bad variables, `invalid_tiers_config` (naming the file and key path) for a bad file.
 */
export function loadTiersFile(env: Record<string, string | undefined> = process.env): TiersFile {
  return tiersFileFromAppConfig(loadConfig(env));
}

/** Same as `loadTiersFile`, from an already validated configuration. */
export function tiersFileFromAppConfig(app: AppConfig): TiersFile {
  const path = app.providers.tiersConfigPath;
  const base = path ? resolveTiersFile(readTierFile(path), resolve(path)) : resolveTiersFile({});
  return { models: applyEnvToTierConfig(base.models, app), policy: base.policy };
}

/** The policy of the TIERS_CONFIG file in `env` (default process.env); the built-in policy without one. */
export function loadPolicy(env: Record<string, string | undefined> = process.env): Policy {
  return loadTiersFile(env).policy;
}
