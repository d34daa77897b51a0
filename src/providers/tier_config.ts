/**
 * Per-tier settings: which model each provider uses, token and step limits, allowed tools,
 * system prompt and prices, plus the routing rules. Built from built-in defaults, an optional
 * JSON/YAML file (TIERS_CONFIG) and the environment, in that order of precedence (env wins).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { extname, resolve } from "node:path";
import type * as Yaml from "yaml";
import { z } from "zod";
import { FALLBACK_PROVIDER_NAMES, loadConfig, type AppConfig, type ProviderEnvSpec, type ProviderEnvValues } from "../config/index.js";
import { budgetsSchema, resolveBudgets, type BudgetConfig } from "./budget_config.js";
import { mcpSectionSchema, type McpServers } from "./mcp_config.js";
import { agentsSectionSchema, approvalPolicySchema, toAgentSpec, type AgentSpec, type ApprovalPolicy } from "./agent_config.js";
import { resolveRouting, routingConfigSchema, type RoutingConfig } from "./routing_rules.js";
import { DEFAULT_PROVIDER_MODELS, DEFAULT_TIER } from "./tiers.js";
import { PROVIDERS, REASONING_EFFORTS, TIERS, type PerTier, type ProviderName, type Tier, type TierReasoningEffort, type TierSelection } from "./types.js";
import { ConfigurationError } from "../errors.js";

export { REASONING_EFFORTS, type TierReasoningEffort } from "./types.js";

/** Prices in USD per million tokens, for cost reports. */
export interface TierPrices {
  inputPerMillion: number;
  outputPerMillion: number;
}

/** Fully resolved settings of one tier. */
export interface TierSettings {
  /** Model id per provider. The gateway's entry is the default that discovery may replace. */
  models: Record<ProviderName, string>;
  /** Cap on generated tokens per call (reasoning tokens included for reasoning models). */
  maxTokens?: number;
  /** Reasoning effort for models that support it. */
  reasoningEffort?: TierReasoningEffort;
  /** Sampling temperature, for models that accept one. */
  temperature?: number;
  /** Most agent steps (model calls) one task may take in this tier. */
  maxSteps: number;
  /**
   * Token budget of the conversation sent to this tier's model (counted approximately, about 4
   * characters a token). A longer thread has its older part summarised by the fast tier first,
   * keeping the newest half of the budget word for word; 0 turns summarising off.
   */
  contextTokens: number;
  /** Tool names agents of this tier may use; "*" allows every tool. */
  tools: string[];
  /** Replaces the agent's built-in system prompt when set. */
  systemPrompt?: string;
  /** Fixed prices for this tier's calls, whatever model answers; unset, each call is priced by its model (model_prices.ts). */
  prices?: TierPrices;
  /** Approval policy of this tier's tools; overrides the top-level policy per tool. */
  approvals?: ApprovalPolicy;
}

/** The whole tier configuration. */
export interface TierConfig {
  /** Tier used when a caller names none. */
  defaultTier: Tier;
  /** Settings per tier. */
  tiers: PerTier<TierSettings>;
  /** Gateway model ids set explicitly (env or file); they win over discovery. */
  pinnedGatewayModels: Partial<PerTier<TierSelection>>;
  /** Routing rules and classifier switch, with the built-in rules when the file sets none. */
  routing: RoutingConfig;
  /** Specialist agents declared in the file's `agents:` section (none: the three tier agents only). */
  agents: AgentSpec[];
  /** Top-level approval policy: applies to every agent unless a tier or agent overrides a tool. */
  approvals: ApprovalPolicy;
  /** How composite tasks are planned and fanned out. */
  plan: PlanSettings;
  /** MCP servers whose tools join the toolbox (`mcp.servers`). */
  mcp: McpServers;
  /** Spending limits per tenant and user (`budgets:`); none when the file sets none. */
  budgets: BudgetConfig;
  /** The file the settings were read from, when there was one. */
  file?: string;
}

/** Settings of the plan route: the planner, the fan-out's bounds and the synthesizer. */
export interface PlanSettings {
  /** Most subtasks one plan may have. */
  maxSubtasks: number;
  /** Most subtasks that run at once. */
  maxParallel: number;
  /** Wall-clock budget of the subtasks, from the plan's creation (ms). */
  timeoutMs: number;
  /** Tier of the planner's model call. */
  plannerTier: Tier;
  /** Tier of the model call that combines the results. */
  synthesizerTier: Tier;
}

/** Defaults of the plan route. */
export const DEFAULT_PLAN_SETTINGS: Readonly<PlanSettings> = { maxSubtasks: 6, maxParallel: 4, timeoutMs: 120_000, plannerTier: "standard", synthesizerTier: "standard" };

/** Built-in settings of each tier, without models (those come from DEFAULT_PROVIDER_MODELS). */
export const DEFAULT_TIER_SETTINGS: Readonly<PerTier<Omit<TierSettings, "models">>> = {
  fast: { maxTokens: 4_096, reasoningEffort: "low", maxSteps: 4, contextTokens: 32_000, tools: ["*"] },
  standard: { maxTokens: 8_192, reasoningEffort: "medium", maxSteps: 8, contextTokens: 64_000, tools: ["*"] },
  premium: { maxTokens: 16_384, reasoningEffort: "high", maxSteps: 16, contextTokens: 128_000, tools: ["*"] },
};

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
 * error messages. Environment pins are applied by `loadTierConfig`.
 */
export function resolveTierConfig(input: unknown = {}, file?: string): TierConfig {
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
  const tiers = {} as PerTier<TierSettings>;
  const pinned: Partial<PerTier<TierSelection>> = {};
  for (const tier of TIERS) {
    const given = data.tiers?.[tier] ?? {};
    const defaults = DEFAULT_TIER_SETTINGS[tier];
    const models = {} as Record<ProviderName, string>;
    for (const p of PROVIDERS) models[p] = given.models?.[p] ?? DEFAULT_PROVIDER_MODELS[p][tier];
    if (given.models?.gateway) pinned[tier] = { model: given.models.gateway, source: "file" };
    tiers[tier] = {
      models,
      maxTokens: given.maxTokens ?? defaults.maxTokens,
      reasoningEffort: given.reasoningEffort ?? defaults.reasoningEffort,
      temperature: given.temperature ?? defaults.temperature,
      maxSteps: given.maxSteps ?? defaults.maxSteps,
      contextTokens: given.contextTokens ?? defaults.contextTokens,
      tools: given.tools ?? [...defaults.tools],
      systemPrompt: given.systemPrompt ?? defaults.systemPrompt,
      ...(given.prices ? { prices: { ...given.prices } } : {}),
      approvals: given.approvals,
    };
  }
  return {
    defaultTier: data.defaultTier ?? DEFAULT_TIER,
    tiers,
    pinnedGatewayModels: pinned,
    routing: resolveRouting(data.routing),
    agents,
    approvals: data.approvals ?? {},
    plan: { ...DEFAULT_PLAN_SETTINGS, ...data.plan },
    mcp: data.mcp?.servers ?? {},
    budgets: resolveBudgets(data.budgets),
    file,
  };
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
 * Applies environment settings over a resolved tier config: AI_GATEWAY_<TIER>_MODEL pins the
 * gateway's model (source "env"), a fallback provider's model variable (OLLAMA_MODEL) sets its
 * model for every tier, DEFAULT_TIER picks the default tier.
 */
export function applyEnvToTierConfig(config: TierConfig, app: AppConfig): TierConfig {
  const tiers = structuredClone(config.tiers);
  const pinned = { ...config.pinnedGatewayModels };
  for (const tier of TIERS) {
    const envModel = app.gateway.models[tier];
    if (envModel) {
      pinned[tier] = { model: envModel, source: "env" };
      tiers[tier].models.gateway = envModel;
    }
    for (const p of FALLBACK_PROVIDER_NAMES) {
      const model = (app.providers[p] as ProviderEnvValues<ProviderEnvSpec>).model;
      if (model) tiers[tier].models[p] = model;
    }
  }
  return { ...config, tiers, pinnedGatewayModels: pinned, defaultTier: app.providers.defaultTier ?? config.defaultTier };
}

/**
 * Loads the tier configuration from `env` (default process.env): defaults, then the
 * TIERS_CONFIG file if set, then env overrides. Throws a ConfigurationError: `invalid_environment`
 * for bad variables, `invalid_tiers_config` (naming the file and key path) for a bad file.
 */
export function loadTierConfig(env: Record<string, string | undefined> = process.env): TierConfig {
  return tierConfigFromAppConfig(loadConfig(env));
}

/** Same as `loadTierConfig`, from an already validated configuration. */
export function tierConfigFromAppConfig(app: AppConfig): TierConfig {
  const path = app.providers.tiersConfigPath;
  const base = path ? resolveTierConfig(readTierFile(path), resolve(path)) : resolveTierConfig({});
  return applyEnvToTierConfig(base, app);
}

/** Whether a tier allows the tool `name`. */
export function isToolAllowed(settings: Pick<TierSettings, "tools">, name: string): boolean {
  return settings.tools.includes("*") || settings.tools.includes(name);
}
