/** Configuration: one zod schema for the environment and the shaped config objects. */
export { envSchema, SECRET_ENV_VARS, PROVIDER_NAMES, TIER_NAMES, MULTITASK_STRATEGIES, CLIENT_AUTH_METHODS, CLIENT_ASSERTION_ALGS, type Env, type MultitaskStrategy } from "./schema.js";
export {
  loadConfig,
  loadDotEnv,
  gatewayConfig,
  isGatewayConfigured,
  hasClientCredentials,
  invalidEnvironment,
  DEFAULT_TIER_MODELS,
  type AppConfig,
  type ProvidersConfig,
  type FallbackProvidersConfig,
  type ProviderName,
  type TierName,
  type GatewayConfig,
  type ClientAuthMethod,
  type ClientAssertionAlg,
} from "./config.js";
export { ConfigurationError, type ConfigurationErrorCode, type ConfigurationProblem } from "../errors.js";
export { packageVersion, PACKAGE_NAME } from "./package_info.js";
export {
  FALLBACK_PROVIDER_ENV,
  FALLBACK_PROVIDER_NAMES,
  providerEnvShape,
  providerEnvConfig,
  providerSecretVars,
  type FallbackProviderName,
  type ProviderEnvSpec,
  type ProviderEnvVar,
  type ProviderEnvKind,
  type ProviderEnvValues,
  type ProviderEnvConfig,
} from "./provider_env.js";
export {
  checkHeaders,
  metadataToHeaders,
  parseHeaderArgument,
  HeaderRuleError,
  RESERVED_HEADERS,
  RUN_HEADER_LIMITS,
  STATIC_HEADER_LIMITS,
  type HeaderLimits,
} from "./headers.js";
