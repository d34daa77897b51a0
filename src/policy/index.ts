/** Policy, what a run may do (agents, routing rules, approvals, budgets, MCP servers, tool allowlists), from the tiers file (TIERS_CONFIG). */
export {
  /** Reads TIERS_CONFIG from `env` and returns the registry's tier models and the policy. */
  loadTiersFile,
  /** Same as `loadTiersFile`, from an already validated configuration. */
  tiersFileFromAppConfig,
  /** Validates a parsed tiers file and splits it into tier models and policy. */
  resolveTiersFile,
  /** The policy of the TIERS_CONFIG file in `env` (the built-in policy without one). */
  loadPolicy,
  /** The policy of a parsed tiers file. */
  resolvePolicy,
  /** Reads and parses a tiers file (.json, .yaml, .yml). */
  readTierFile,
  /** Schema of the whole tiers file. */
  tierFileSchema,
  /** A missing, unreadable or invalid tiers file, naming every bad key path. */
  invalidTiersConfig,
  /** Both halves of a validated tiers file: `{ models, policy }`. */
  type TiersFile,
  /** Parsed, unvalidated content of a tiers file. */
  type TierFileInput,
} from "./tier_config.js";
export {
  /** The built-in policy: tier agents only, built-in rules, no approvals, MCP servers or budgets. */
  defaultPolicy,
  /** Whether a tier's tool allowlist admits a tool. */
  isToolAllowed,
  /** Built-in policy of each tier (steps, context, tools). */
  DEFAULT_TIER_POLICY,
  /** Built-in settings of the plan route. */
  DEFAULT_PLAN_SETTINGS,
  /** What a run may do: tiers' limits and tools, agents, routing, approvals, plan, MCP, budgets. */
  type Policy,
  /** What agents of one tier may do. */
  type TierPolicy,
  /** Settings of the plan route. */
  type PlanSettings,
} from "./policy.js";
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
