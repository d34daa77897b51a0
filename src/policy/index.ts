/** What a run may do: agents, routing rules, approvals, budgets and MCP servers, from the tiers file (TIERS_CONFIG). */
export {
  /** Loads the tiers file named by TIERS_CONFIG in `env`, with env overrides on top. */
  loadTierConfig,
  /** Same as `loadTierConfig`, from an already validated configuration. */
  tierConfigFromAppConfig,
  /** Validates a parsed tiers file and merges it over the defaults. */
  resolveTierConfig,
  /** Reads and parses a tiers file (.json, .yaml, .yml). */
  readTierFile,
  /** Applies environment overrides (model pins, DEFAULT_TIER) to a resolved tier config. */
  applyEnvToTierConfig,
  /** Whether a tier's tool allowlist admits a tool. */
  isToolAllowed,
  /** Schema of the whole tiers file. */
  tierFileSchema,
  /** A missing, unreadable or invalid tiers file, naming every bad key path. */
  TierConfigError,
  /** Built-in settings of each tier. */
  DEFAULT_TIER_SETTINGS,
  /** Built-in settings of the plan route. */
  DEFAULT_PLAN_SETTINGS,
  /** The validated tiers file. */
  type TierConfig,
  /** Resolved settings of one tier. */
  type TierSettings,
  /** Fixed prices of a tier, USD per million tokens. */
  type TierPrices,
  /** Parsed, unvalidated content of a tiers file. */
  type TierFileInput,
  /** Settings of the plan route. */
  type PlanSettings,
} from "./tier_config.js";
export {
  /** The routing modes: auto, rules, classifier, default. */
  ROUTING_MODES,
  /** Rules used when the tiers file sets none. */
  DEFAULT_ROUTING_RULES,
  /** Longest accepted rule pattern. */
  MAX_PATTERN_LENGTH,
  /** Most rules one routing section may hold. */
  MAX_ROUTING_RULES,
  /** Most keywords or tools one rule may list. */
  MAX_RULE_KEYWORDS,
  /** Schema of one routing rule. */
  routingRuleSchema,
  /** Schema of the `routing:` section. */
  routingConfigSchema,
  /** The routing section with its defaults applied. */
  resolveRouting,
  /** One routing mode. */
  type RoutingMode,
  /** One routing rule. */
  type RoutingRule,
  /** Resolved routing settings. */
  type RoutingConfig,
} from "./routing_rules.js";
export {
  /** The decisions a person may take on a tool call: approve, edit, reject. */
  APPROVAL_DECISIONS,
  /** Names an agent may not take (the orchestrator's own). */
  RESERVED_AGENT_NAMES,
  /** Schema of one declared agent. */
  agentFieldsSchema,
  /** Schema of the `agents:` section. */
  agentsSectionSchema,
  /** Schema of an approval policy (tool -> decisions). */
  approvalPolicySchema,
  /** A validated agent spec from its declared fields. */
  toAgentSpec,
  /** The tier an agent runs on for a preferred tier. */
  clampTier,
  /** An agent's fields as declared. */
  type AgentFields,
  /** A validated specialist agent. */
  type AgentSpec,
  /** One approval decision. */
  type ApprovalDecision,
  /** Tool name -> the decisions a person may take on its calls. */
  type ApprovalPolicy,
} from "./agent_config.js";
export {
  /** Schema of the `budgets:` section. */
  budgetsSchema,
  /** The budgets section with defaults filled in. */
  resolveBudgets,
  /** Default share of a limit from which runs are downgraded. */
  DEFAULT_DOWNGRADE_AT,
  /** Resolved spending limits per tenant and user. */
  type BudgetConfig,
  /** Daily and monthly limits of one tenant or user. */
  type BudgetLimits,
} from "./budget_config.js";
export {
  /** Schema of one MCP server. */
  mcpServerSchema,
  /** Schema of the `mcp:` section. */
  mcpSectionSchema,
  /** One MCP server's settings. */
  type McpServerConfig,
  /** MCP servers by name. */
  type McpServers,
} from "./mcp_config.js";
