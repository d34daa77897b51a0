/** Provider registry, model discovery and tiers, fallback across providers with circuit breakers. */
export { ProviderRegistry, type ProviderRegistryOptions, type ProviderStatus } from "./registry.js";
export { FallbackChatModel, type FallbackChatModelFields, type FallbackChatModelCallOptions } from "./fallback_chat_model.js";
export { FallbackRunnable, annotateMessage, type CandidateSource, type ModelTransform } from "./fallback_runnable.js";
export {
  AllProvidersFailedError,
  invokeWithFallback,
  streamWithFallback,
  type FallbackCandidate,
  type FallbackContext,
  type FallbackAttempt,
  type FallbackSuccess,
  type FallbackStreamEvent,
} from "./fallback_engine.js";
export { ProviderBreakers, ProviderSkippedError, DEFAULT_BREAKER_OPTIONS, type BreakerOptions } from "./breaker.js";
export { classifyFailure, failureCode, errorStatus, networkCode, type FailureKind } from "./classify.js";
export {
  discoverTiers,
  TierDiscovery,
  DEFAULT_DISCOVERY_TIMEOUT_MS,
  type DiscoveryResult,
  type DiscoverTiersOptions,
  type ModelLister,
  type TierDiscoveryOptions,
  type UnlistedTierModel,
} from "./discovery.js";
export { rankModels, pickTierModels, parseModelId, isChatModel, compareParsed, type ParsedModelId, type ModelVariant, type ListedModel } from "./model_ranking.js";
export { MODEL_FAMILIES, type FamilyRule, type ModelFamilyName, type ModelVendor } from "./model_families.js";
export {
  loadTierConfig,
  tierConfigFromAppConfig,
  resolveTierConfig,
  readTierFile,
  applyEnvToTierConfig,
  isToolAllowed,
  tierFileSchema,
  invalidTiersConfig,
  DEFAULT_TIER_SETTINGS,
  REASONING_EFFORTS,
  type TierConfig,
  type TierSettings,
  type TierPrices,
  type TierFileInput,
  type TierReasoningEffort,
} from "./tier_config.js";
export {
  ROUTING_MODES,
  DEFAULT_ROUTING_RULES,
  MAX_PATTERN_LENGTH,
  MAX_ROUTING_RULES,
  MAX_RULE_KEYWORDS,
  routingRuleSchema,
  routingConfigSchema,
  resolveRouting,
  type RoutingMode,
  type RoutingRule,
  type RoutingConfig,
} from "./routing_rules.js";
export { DEFAULT_PROVIDER_MODELS, DEFAULT_OLLAMA_MODEL, DEFAULT_TIER } from "./tiers.js";
export { createProviderChatModel, loadProviderSdks, type ModelBuildContext } from "./providers.js";
export {
  settingsFromConfig,
  isProviderConfigured,
  maskSecret,
  maskSettings,
  registerSettingsSecrets,
  DEFAULT_BASE_URLS,
  type ProviderSettings,
  type ProviderSettingsMap,
  type GatewayProviderSettings,
  type ApiKeyProviderSettings,
  type OllamaProviderSettings,
} from "./settings.js";
export { verifyProvider, verifyFallbackProvider, modelsProbe, type VerifyOutcome, type VerifyOptions } from "./verify.js";
export {
  PROVIDER_DESCRIPTORS,
  FALLBACK_DESCRIPTORS,
  FALLBACK_DESCRIPTOR_LIST,
  GATEWAY_DESCRIPTOR,
  descriptorOf,
  fallbackDescriptorOf,
  defineFallbackProvider,
  countList,
  type ProviderDescriptor,
  type GatewayDescriptor,
  type FallbackProviderDescriptor,
  type FallbackProviderSpec,
  type FallbackProviderSettings,
  type ModelsProbe,
  type ProviderErrorNames,
  type ProviderPricing,
} from "./descriptors/index.js";
export {
  TIERS,
  PROVIDERS,
  isTier,
  isProviderName,
  type Tier,
  type ProviderName,
  type TierSelection,
  type ModelSource,
  type PerTier,
  type BreakerState,
} from "./types.js";
export { describeModelFailure, MODEL_FAILURE_KINDS, type ModelFailure, type ModelFailureKind } from "./failure.js";
export { annotateFailure, failureAnnotation, type FailureAnnotation } from "./fallback_engine.js";
export {
  APPROVAL_DECISIONS,
  agentFieldsSchema,
  approvalPolicySchema,
  clampTier,
  type AgentFields,
  type AgentSpec,
  type ApprovalDecision,
  type ApprovalPolicy,
} from "./agent_config.js";
